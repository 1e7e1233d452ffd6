package org.wildfly.mlt.web;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

/**
 * One JSON-B instance for every request and response. Without a resolver, RESTEasy's JSON-B provider builds a new
 * Jsonb for each read and each write (service lookups, a fresh Yasson context): a profile of /service under load put
 * that at 10–20 % of the server's CPU. Jsonb instances are thread-safe.
 */
@Provider
public class SharedJsonbResolver implements ContextResolver<Jsonb> {

    private static final Jsonb JSONB = JsonbBuilder.create();

    @Override
    public Jsonb getContext(Class<?> type) {
        return JSONB;
    }
}
