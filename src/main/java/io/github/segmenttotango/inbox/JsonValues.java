package io.github.segmenttotango.inbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;

import io.github.segmenttotango.ingest.SegmentJson;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;

/** Copies one JSON value out of a file, and says why a value cannot be read. */
final class JsonValues {

    private JsonValues() {
    }

    /**
     * Copies the value the (lenient) file parser is on, the parser ending on its last token: its bytes, or
     * null when it is larger than {@code maxBytes} (the rest of it is skipped, not kept). An event is then
     * read from these bytes alone, under the event limits, so that nothing wrong inside one event can stop
     * the reading of the file.
     */
    static byte[] copyValue(JsonParser parser, JsonFactory factory, int maxBytes) throws IOException {
        CappedBytes out = new CappedBytes(maxBytes);
        JsonToken token = parser.currentToken();
        int depth = 0;
        try (JsonGenerator copy = factory.createGenerator(out)) {
            while (true) {
                if (!out.full()) {
                    switch (token) {
                        case START_OBJECT -> copy.writeStartObject();
                        case END_OBJECT -> copy.writeEndObject();
                        case START_ARRAY -> copy.writeStartArray();
                        case END_ARRAY -> copy.writeEndArray();
                        case FIELD_NAME -> copy.writeFieldName(parser.currentName());
                        case VALUE_STRING -> copy.writeString(parser.getText());
                        // as written: a number out of range is the event's problem, found when it is read
                        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> copy.writeNumber(parser.getText());
                        case VALUE_TRUE, VALUE_FALSE -> copy.writeBoolean(token == JsonToken.VALUE_TRUE);
                        case VALUE_NULL -> copy.writeNull();
                        default -> throw new JsonParseException(parser, "unexpected " + token);
                    }
                    copy.flush();
                }
                depth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
                if (depth == 0) {
                    break;
                }
                token = parser.nextToken();
                if (token == null) {
                    throw new JsonEOFException(parser, null, "the file ends inside an event");
                }
            }
        }
        return out.full() ? null : out.toByteArray();
    }

    /** Why a value cannot be read, in the words of the input (no Java class names). */
    static String unreadableReason(Exception failure) {
        if (failure instanceof NumberFormatException) {
            return "a number is out of range";
        }
        String message = failure instanceof StreamConstraintsException limit ? limit.getOriginalMessage() : failure.getMessage();
        return SegmentJson.firstLine(message).replaceAll(", from `?[A-Za-z.]+\\(\\)`?", "");
    }

    /** A stream that ended early: a JSON document or gzip stream cut short. */
    static boolean cut(IOException e) {
        return e instanceof JsonEOFException || e instanceof EOFException;
    }

    /** Bytes up to a bound; past it, what is written is dropped and the copy is "full". */
    private static final class CappedBytes extends ByteArrayOutputStream {
        private final int max;
        private boolean full;

        CappedBytes(int max) {
            super(512);
            this.max = max;
        }

        boolean full() {
            return full;
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            if (full || count + length > max) {
                full = true;
                return;
            }
            super.write(bytes, offset, length);
        }

        @Override
        public synchronized void write(int b) {
            if (full || count + 1 > max) {
                full = true;
                return;
            }
            super.write(b);
        }
    }
}
