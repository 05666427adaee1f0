package io.github.segmenttotango;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the bundle's main sets before anything else loads. */
class ApplicationTest {

    private static final String HEAP_ARENAS = "io.netty.allocator.numHeapArenas";
    private final String before = System.getProperty(HEAP_ARENAS);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(HEAP_ARENAS);
        } else {
            System.setProperty(HEAP_ARENAS, before);
        }
    }

    @Test
    void nettysHeapBuffersAreUnpooledUnlessTheOperatorSaysOtherwise() {
        System.clearProperty(HEAP_ARENAS);
        Application.keepNettyHeapBuffersUnpooled();
        assertEquals("0", System.getProperty(HEAP_ARENAS));

        System.setProperty(HEAP_ARENAS, "2");
        Application.keepNettyHeapBuffersUnpooled();
        assertEquals("2", System.getProperty(HEAP_ARENAS), "a -D of the operator's own wins");
    }
}
