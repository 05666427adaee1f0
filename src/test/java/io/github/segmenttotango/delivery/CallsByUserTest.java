package io.github.segmenttotango.delivery;

import io.github.segmenttotango.mapping.TotangoCall;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A batch's calls as delivery messages: one per user, in order, bounded. */
class CallsByUserTest {

    private static TotangoCall call(String user, String activity) {
        return new TotangoCall(activity, user, Map.of("sdr_o", "g", "sdr_a", activity));
    }

    private static List<String> activities(List<TotangoCall> calls) {
        return calls.stream().map(call -> call.params().get("sdr_a")).toList();
    }

    @Test
    void eachUsersCallsStayTogetherAndInOrder() {
        List<List<TotangoCall>> messages = CallsByUser.split(List.of(call("a", "a1"), call("b", "b1"), call("a", "a2"),
                call(null, "account call"), call("b", "b2"), call("a", "a3")));

        assertEquals(3, messages.size());
        assertEquals(List.of("a1", "a2", "a3"), activities(messages.get(0)));
        assertEquals(List.of("b1", "b2"), activities(messages.get(1)));
        assertEquals(List.of("account call"), activities(messages.get(2)));
        assertEquals("a", CallsByUser.orderKeyOf(messages.get(0)));
        assertEquals("account:g", CallsByUser.orderKeyOf(messages.get(2)));
    }

    @Test
    void aUserWithManyCallsGetsSeveralMessagesInOrder() {
        List<TotangoCall> calls = new ArrayList<>();
        IntStream.range(0, 250).forEach(i -> calls.add(call("busy", "e" + i)));

        List<List<TotangoCall>> messages = CallsByUser.split(calls);

        assertEquals(List.of(100, 100, 50), messages.stream().map(List::size).toList());
        assertEquals("e100", activities(messages.get(1)).get(0));
        assertEquals("e249", activities(messages.get(2)).get(49));
    }
}
