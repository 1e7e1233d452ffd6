"""A trace sink for the benchmark: accepts OTLP/HTTP protobuf exports and counts requests, bytes and spans.

It stands in for Jaeger so that configuration A pays the full cost of exporting spans (serialisation, HTTP) while
the receiver itself steals as little CPU as possible from the server under test: it walks the protobuf's
length-delimited fields down to the spans and counts them, decoding no span (ExportTraceServiceRequest field 1
resource_spans → ResourceSpans field 2 scope_spans → ScopeSpans field 2 spans, as in opentelemetry-proto's
trace.proto and trace_service.proto), after gunzipping the body as the exporter sends it. The driver compares the
count with the SDK's own processedSpans counter.
"""
import gzip
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

received = {"requests": 0, "bytes": 0, "spans": 0, "undecodable": 0}


def varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def fields(buf, wanted):
    """The payloads of the length-delimited fields number `wanted` of one message; every other field is skipped."""
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = varint(buf, pos)
        wire = tag & 7
        if wire == 2:
            length, pos = varint(buf, pos)
            if tag >> 3 == wanted:
                yield buf[pos:pos + length]
            pos += length
        elif wire == 0:
            _, pos = varint(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError("wire type %d" % wire)
    if pos != end:
        raise ValueError("truncated message")


def count_spans(body):
    return sum(1 for resource in fields(body, 1) for scope in fields(resource, 2) for _ in fields(scope, 2))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        try:
            # SmallRye's exporter compresses its requests (Content-Encoding: gzip).
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            spans = count_spans(memoryview(body))
        except (ValueError, IndexError, OSError, EOFError):
            spans = None
        received["requests"] += 1
        received["bytes"] += length
        if spans is None:
            received["undecodable"] += 1
        else:
            received["spans"] += spans
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # the driver reads the counts here
        body = json.dumps(received).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
