package org.wildfly.mlt.web.admission;

import io.undertow.servlet.ServletExtension;
import io.undertow.servlet.api.DeploymentInfo;
import jakarta.servlet.ServletContext;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Installs {@link Admission} in front of the deployment's servlet handling when the deployment names paths to limit:
 * in Undertow's initial handler chain, which runs on the I/O thread before a request thread is taken and before the
 * servlet request (and CDI's request context) begins, so that a parked request resumes on any thread.
 */
public class AdmissionControl implements ServletExtension {

    private static volatile Admission current;

    @Override
    public void handleDeployment(DeploymentInfo deploymentInfo, ServletContext servletContext) {
        AdmissionSettings settings = AdmissionSettings.from(ConfigProvider.getConfig(deploymentInfo.getClassLoader()));
        if (settings != null) {
            Admission admission = new Admission(settings);
            current = admission;
            deploymentInfo.addInitialHandlerChainWrapper(admission::wrap);
        }
    }

    /** This deployment's admission (each WAR loads this class itself), or null when it limits nothing. */
    static Admission current() {
        return current;
    }
}
