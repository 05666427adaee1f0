package io.github.segmenttotango.state;

import org.rocksdb.NativeLibraryLoader;
import org.rocksdb.RocksDB;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads RocksDB's native library, which comes in the jar and must be unpacked to a file first.
 *
 * <p>RocksDB unpacks it into {@code java.io.tmpdir} under a new name at every start and deletes it
 * when the JVM exits normally: each crash, or {@code kill -9}, left 17 MB there for good. The bundle
 * unpacks it into a folder of its own data folder instead ({@code <data-dir>/native}), which it
 * empties first, so that at most one copy is ever left. Where that folder cannot hold a library that
 * loads (a file system mounted without execution), RocksDB's own way is tried, which
 * {@code ROCKSDB_SHAREDLIB_DIR} can point elsewhere.
 */
public final class RocksDbLibrary {

    private RocksDbLibrary() {
    }

    /**
     * Loads the library once per JVM, unpacked into {@code folder}.
     *
     * @throws IllegalStateException when it loads neither from {@code folder} nor RocksDB's own way
     */
    public static synchronized void load(Path folder) {
        try {
            Files.createDirectories(folder);
            try (DirectoryStream<Path> earlier = Files.newDirectoryStream(folder, "librocksdbjni*")) {
                for (Path copy : earlier) {
                    Files.deleteIfExists(copy);
                }
            }
            NativeLibraryLoader.getInstance().loadLibrary(folder.toString());
        } catch (IOException | LinkageError notHere) {
            // RocksDB's own way below
        }
        try {
            RocksDB.loadLibrary();
        } catch (Throwable e) {
            throw new IllegalStateException("RocksDB's native library does not load on this machine (" + e
                    + "); it is unpacked into " + folder + ", else into java.io.tmpdir or ROCKSDB_SHAREDLIB_DIR, which must allow programs to run");
        }
    }
}
