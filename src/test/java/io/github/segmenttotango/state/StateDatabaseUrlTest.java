package io.github.segmenttotango.state;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StateDatabaseUrlTest {

    private final Path data = Path.of("/var/lib/segment-totango");

    @Test
    void theDefaultIsAnH2FileInTheDataFolderThatWritesEachCommitAtOnce() {
        assertEquals("jdbc:h2:file:/var/lib/segment-totango/state/bridge;WRITE_DELAY=0", StateDatabaseUrl.of("", data));
        assertEquals("jdbc:h2:file:/var/lib/segment-totango/state/bridge;WRITE_DELAY=0", StateDatabaseUrl.of(null, data));
    }

    @Test
    void aConfiguredH2UrlGetsTheSameUnlessItSetsAWriteDelayItself() {
        assertEquals("jdbc:h2:/srv/state;WRITE_DELAY=0", StateDatabaseUrl.of(" jdbc:h2:/srv/state ", data));
        assertEquals("jdbc:h2:file:/srv/state;write_delay=200", StateDatabaseUrl.of("jdbc:h2:file:/srv/state;write_delay=200", data));
    }

    @Test
    void inMemoryAndOtherDatabasesAreLeftAsTheyAre() {
        assertEquals("jdbc:h2:mem:state", StateDatabaseUrl.of("jdbc:h2:mem:state", data));
        assertEquals("jdbc:postgresql://db/state", StateDatabaseUrl.of("jdbc:postgresql://db/state", data));
    }
}
