package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 written byte by byte, for requests a well-behaved client refuses to send (bare CR in a header, raw
 * non-ASCII bytes). Returns the status code and the whole response text.
 */
public final class RawHttp {

    public record Response(int status, String text) {
    }

    private RawHttp() {
    }

    public static Response get(String path, byte[]... headerLines) {
        return get(path, "127.0.0.1", headerLines);
    }

    /** The same with the Host header a well-behaved client derives from the URL replaced by {@code host}. */
    public static Response get(String path, String host, byte[]... headerLines) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), 8080)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (byte[] header : headerLines) {
                out.write(header);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Response(Integer.parseInt(text.substring(9, 12)), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
