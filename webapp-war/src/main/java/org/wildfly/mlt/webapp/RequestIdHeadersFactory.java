package org.wildfly.mlt.webapp;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import org.eclipse.microprofile.rest.client.ext.ClientHeadersFactory;
import org.wildfly.mlt.web.RequestIds;

/**
 * Forwards this request's id to webapi. Not the incoming header: that one may have been invalid and replaced.
 */
@ApplicationScoped
public class RequestIdHeadersFactory implements ClientHeadersFactory {

    @Override
    public MultivaluedMap<String, String> update(MultivaluedMap<String, String> incomingHeaders,
                                                 MultivaluedMap<String, String> clientOutgoingHeaders) {
        MultivaluedMap<String, String> headers = new MultivaluedHashMap<>();
        String id = RequestIds.current();
        if (id != null) {
            headers.putSingle(RequestIds.HEADER, id);
        }
        return headers;
    }
}
