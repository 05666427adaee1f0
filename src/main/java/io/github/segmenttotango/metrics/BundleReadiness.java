package io.github.segmenttotango.metrics;

import io.github.segmenttotango.queue.DataDiskSpace;
import io.github.segmenttotango.queue.EmbeddedQueueBroker;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Readiness of the bundle itself, beside Camel's own checks at {@code /observe/health}: down while a
 * folder it writes to (data, dead letters, inbox) is unusable, the data disk is full (ingest answers
 * 503 disk_full) or the embedded queue is not running.
 */
public class BundleReadiness extends AbstractHealthCheck {

    private final List<Path> folders;
    private final EmbeddedQueueBroker broker;
    private final DataDiskSpace disk;

    public BundleReadiness(List<Path> folders, EmbeddedQueueBroker broker, DataDiskSpace disk) {
        super("segment-totango", "bundle");
        this.folders = folders;
        this.broker = broker;
        this.disk = disk;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String diskFull = disk == null ? null : disk.full();
        if (diskFull != null) {
            builder.down().message("Ingest is refused (503 disk_full): " + diskFull);
            return;
        }
        for (Path folder : folders) {
            try {
                Files.delete(Files.createTempFile(folder, ".ready", ".tmp"));
            } catch (Exception e) {
                builder.down().message("Folder " + folder + " is not writable: " + e.getClass().getSimpleName());
                return;
            }
        }
        if (broker != null && !broker.isStarted()) {
            builder.down().message("The delivery queue is not running");
            return;
        }
        builder.up();
    }
}
