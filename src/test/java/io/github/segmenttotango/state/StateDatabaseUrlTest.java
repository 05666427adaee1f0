package io.github.segmenttotango.state;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StateDatabaseUrlTest {

    private final Path data = Path.of("/var/lib/segment-totango");

    @Test
    void theDefaultIsAnH2FileInTheDataFolderThatWritesEachCommitAtOnceAndClosesWithTheBundle() {
        String expected = "jdbc:h2:file:/var/lib/segment-totango/state/bridge;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
        assertEquals(expected, StateDatabaseUrl.of("", data));
        assertEquals(expected, StateDatabaseUrl.of(null, data));
    }

    @Test
    void aConfiguredH2UrlGetsTheSameUnlessItSetsThemItself() {
        assertEquals("jdbc:h2:/srv/state;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE", StateDatabaseUrl.of(" jdbc:h2:/srv/state ", data));
        assertEquals("jdbc:h2:file:/srv/state;write_delay=200;DB_CLOSE_ON_EXIT=FALSE",
                StateDatabaseUrl.of("jdbc:h2:file:/srv/state;write_delay=200", data));
        assertEquals("jdbc:h2:file:/srv/state;DB_CLOSE_ON_EXIT=TRUE;WRITE_DELAY=0",
                StateDatabaseUrl.of("jdbc:h2:file:/srv/state;DB_CLOSE_ON_EXIT=TRUE", data));
    }

    @Test
    void inMemoryAndOtherDatabasesAreLeftAsTheyAre() {
        assertEquals("jdbc:h2:mem:state", StateDatabaseUrl.of("jdbc:h2:mem:state", data));
        assertEquals("jdbc:postgresql://db/state", StateDatabaseUrl.of("jdbc:postgresql://db/state", data));
    }
}
