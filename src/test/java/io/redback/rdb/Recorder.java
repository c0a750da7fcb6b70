package io.redback.rdb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An EntrySink that keeps copies of what it receives: {@link Str} for strings, Long for integers. */
final class Recorder implements EntrySink {
    final List<Object> items = new ArrayList<>();

    @Override
    public void string(byte[] buf, int off, int len) {
        items.add(new Str(Arrays.copyOfRange(buf, off, off + len)));
    }

    @Override
    public void integer(long value) {
        items.add(value);
    }

    static Str str(String s) {
        return new Str(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A byte string with value equality, printed as text when it is printable ASCII. */
    record Str(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Str s && Arrays.equals(bytes, s.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            boolean printable = bytes.length <= 80;
            for (byte b : bytes) {
                printable &= b >= 0x20 && b < 0x7f;
            }
            return printable ? '"' + new String(bytes, StandardCharsets.US_ASCII) + '"'
                    : "bytes[" + bytes.length + "]";
        }
    }
}
