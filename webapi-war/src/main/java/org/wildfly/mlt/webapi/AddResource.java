package org.wildfly.mlt.webapi;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.wildfly.mlt.web.ProblemException;
import org.wildfly.mlt.webapi.db.AdditionHistory;
import org.wildfly.mlt.webapi.faults.FaultInjected;

@Path("/add")
public class AddResource {

    private static final Logger LOG = Logger.getLogger(AddResource.class);

    @Inject
    AdditionMetrics metrics;

    @Inject
    AdditionHistory history;

    @GET
    @FaultInjected
    @Produces(MediaType.APPLICATION_JSON)
    public Sum add(@QueryParam("a") @DefaultValue("2") String a, @QueryParam("b") @DefaultValue("2") String b) {
        long left;
        long right;
        try {
            left = Operand.parse("a", a);
            right = Operand.parse("b", b);
        } catch (ProblemException invalid) {
            metrics.invalidOperand();
            LOG.info("Rejected an addition with an invalid operand");
            throw invalid;
        }
        try {
            long result = Math.addExact(left, right);
            history.record(left, right, result);
            metrics.ok();
            LOG.infof("Added %d + %d = %d", left, right, result);
            return new Sum(left, right, result);
        } catch (ArithmeticException overflow) {
            metrics.overflow();
            LOG.info("Rejected an addition whose result overflows");
            throw new ProblemException(Response.Status.BAD_REQUEST,
                    "The sum does not fit in a 64-bit signed integer.");
        }
    }
}
