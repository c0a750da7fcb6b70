package io.redback.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class RespReaderTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static RespReader reader(byte[] b, int bufferSize, int retain) {
        return new RespReader(new ByteArrayInputStream(b), 0, bufferSize, retain);
    }

    @Test
    void readsCommandsWithTheirOffsetsAndLengths() throws Exception {
        byte[] in = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n");
        RespReader r = reader(in, 16, Integer.MAX_VALUE);
        RespCommand c = new RespCommand();

        r.read(c);
        assertThat(c.offset()).isZero();
        assertThat(c.length()).isEqualTo(31);
        assertThat(c.argCount()).isEqualTo(3);
        assertThat(c.argString(0)).isEqualTo("SET");
        assertThat(c.argOffset(2)).isEqualTo(24);
        assertThat(c.arg(2)).isEqualTo(bytes("hello"));
        assertThat(c.argEqualsIgnoreCase(0, "set")).isTrue();

        r.read(c);
        assertThat(c.offset()).isEqualTo(31);
        assertThat(c.end()).isEqualTo(in.length);
        assertThat(c.toString()).isEqualTo("\"PING\"");
        assertThat(r.peek()).isEqualTo(-1);
    }

    @Test
    void offsetsCountFromTheGivenStart() throws Exception {
        RespReader r = new RespReader(new ByteArrayInputStream(bytes("*1\r\n$4\r\nPING\r\n")), 1000, 64, 64);
        RespCommand c = new RespCommand();
        r.read(c);
        assertThat(c.offset()).isEqualTo(1000);
        assertThat(c.argOffset(0)).isEqualTo(1008);
        assertThat(r.position()).isEqualTo(1014);
    }

    @Test
    void argumentsBeyondTheRetainLimitAreSkippedButMeasured() throws Exception {
        byte[] big = new byte[1000];
        Arrays.fill(big, (byte) 'x');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new RespWriter(out).write(bytes("SET"), bytes("k"), big, bytes("EX"));
        RespReader r = reader(out.toByteArray(), 16, 100);
        RespCommand c = new RespCommand();
        r.read(c);

        assertThat(c.retained(0)).isTrue();
        assertThat(c.retained(2)).isFalse();
        assertThat(c.argLength(2)).isEqualTo(1000);
        assertThat(c.retained(3)).isTrue();
        assertThat(c.argString(3)).isEqualTo("EX");
        assertThat(c.end()).isEqualTo(out.size());
        assertThatThrownBy(() -> c.arg(2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("retain limit");
    }

    @Test
    void parsesIntegersLikeRedis() throws Exception {
        RespCommand c = new RespCommand();
        reader(RespWriter.encode("X", "15", "-3", "007", "+1", "", "9223372036854775808", "-0"), 64, 1000).read(c);
        assertThat(c.argLong(1, -1)).isEqualTo(15);
        assertThat(c.argLong(2, 99)).isEqualTo(-3);
        assertThat(c.argLong(3, -1)).isEqualTo(-1);
        assertThat(c.argLong(4, -1)).isEqualTo(-1);
        assertThat(c.argLong(5, -1)).isEqualTo(-1);
        assertThat(c.argLong(6, -1)).isEqualTo(-1);
        assertThat(c.argLong(7, -1)).isEqualTo(-1);
    }

    @Test
    void malformedBytesNameTheOffsetAndWhatWasExpected() {
        assertMalformed("+OK\r\n", 0, "'*' starting a command", "'+' (0x2b)");
        assertMalformed("*0\r\n", 1, "an argument count of at least 1", "*0");
        assertMalformed("*2x\r\n", 2, "a digit or CR in the argument count", "'x' (0x78)");
        assertMalformed("*\r\n", 1, "a digit of the argument count", "CR (0x0d)");
        assertMalformed("*1\r\r", 3, "LF after the CR ending the argument count", "CR (0x0d)");
        assertMalformed("*1\r\n:1\r\n", 4, "'$' starting argument 1 of 1", "':' (0x3a)");
        assertMalformed("*1\r\n$-1\r\n", 5, "a digit of the length of argument 1 of 1", "'-' (0x2d)");
        assertMalformed("*1\r\n$3\r\nSETX\r\n", 11, "CRLF after the 3 byte(s) of argument 1 of 1", "'X' (0x58)");
        assertMalformed("*1\r\n$3\r\nSET\r\0", 12, "CRLF after the 3 byte(s) of argument 1 of 1", "NUL (0x00)");
        assertMalformed("*1234567890123456789\r\n", 19, "at most 18 digits in the argument count", "more");
    }

    private static void assertMalformed(String input, long offset, String expected, String found) {
        assertThatThrownBy(() -> reader(bytes(input), 16, 1000).read(new RespCommand()))
                .isInstanceOfSatisfying(RespException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RespException.Kind.MALFORMED);
                    assertThat(e.offset()).as(input).isEqualTo(offset);
                    assertThat(e.expected()).isEqualTo(expected);
                    assertThat(e.found()).isEqualTo(found);
                    assertThat(e.commandOffset()).isZero();
                });
    }

    @Test
    void everyProperPrefixOfACommandIsTruncated() throws Exception {
        byte[] cmd = bytes("*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$5\r\nvalue\r\n");
        for (int n = 1; n < cmd.length; n++) {
            byte[] prefix = Arrays.copyOf(cmd, n);
            int len = n;
            assertThatThrownBy(() -> reader(prefix, 16, 1000).read(new RespCommand()))
                    .as("prefix of %d bytes", n)
                    .isInstanceOfSatisfying(RespException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RespException.Kind.TRUNCATED);
                        assertThat(e.offset()).isEqualTo(len);
                        assertThat(e.found()).isEqualTo("the end of the input");
                    });
        }
        RespCommand c = new RespCommand();
        reader(cmd, 16, 1000).read(c);
        assertThat(c.length()).isEqualTo(cmd.length);
    }

    @Test
    void readsLinesUpToALimit() throws Exception {
        RespReader r = reader(bytes("#TS:1700000000\r\n#x\n#tail"), 16, 0);
        RespReader.Line a = r.readLine(1023);
        assertThat(new String(a.text(), StandardCharsets.US_ASCII)).isEqualTo("#TS:1700000000");
        assertThat(a.length()).isEqualTo(16);
        assertThat(a.terminated()).isTrue();
        RespReader.Line b = r.readLine(1023);
        assertThat(b.offset()).isEqualTo(16);
        assertThat(new String(b.text(), StandardCharsets.US_ASCII)).isEqualTo("#x");
        RespReader.Line c = r.readLine(1023);
        assertThat(c.terminated()).isFalse();
        assertThat(c.length()).isEqualTo(5);

        byte[] longLine = new byte[2000];
        Arrays.fill(longLine, (byte) 'a');
        longLine[0] = '#';
        assertThatThrownBy(() -> reader(longLine, 64, 0).readLine(1023)).isInstanceOf(RespException.class)
                .hasMessageContaining("to end within 1023 bytes");
    }

    @Test
    void writerProducesWhatRedisWrites() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RespWriter w = new RespWriter(out);
        w.write("SELECT", "0");
        w.write(List.of(bytes("SET"), new byte[0]));
        assertThat(out.toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nSET\r\n$0\r\n\r\n");
    }

    @Property(tries = 300)
    void whatTheWriterWritesTheReaderReadsBack(@ForAll("commands") List<List<byte[]>> commands,
                                               @ForAll @IntRange(min = 16, max = 200) int bufferSize,
                                               @ForAll @IntRange(min = 0, max = 300) int retain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RespWriter w = new RespWriter(out);
        List<Long> starts = new ArrayList<>();
        for (List<byte[]> cmd : commands) {
            starts.add((long) out.size());
            w.write(cmd);
        }
        RespReader r = reader(out.toByteArray(), bufferSize, retain);
        RespCommand c = new RespCommand();
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        RespWriter w2 = new RespWriter(again);
        for (int i = 0; i < commands.size(); i++) {
            r.read(c);
            List<byte[]> expected = commands.get(i);
            assertThat(c.offset()).isEqualTo(starts.get(i));
            assertThat(c.argCount()).isEqualTo(expected.size());
            long kept = 0;
            for (int a = 0; a < expected.size(); a++) {
                assertThat(c.argLength(a)).isEqualTo(expected.get(a).length);
                boolean fits = kept + expected.get(a).length <= retain;
                assertThat(c.retained(a)).isEqualTo(fits);
                if (fits) {
                    kept += expected.get(a).length;
                    assertThat(c.arg(a)).isEqualTo(expected.get(a));
                }
            }
            if (kept == expected.stream().mapToLong(b -> b.length).sum()) {
                w2.write(c);
            } else {
                w2.write(expected);
            }
        }
        assertThat(r.peek()).isEqualTo(-1);
        assertThat(again.toByteArray()).isEqualTo(out.toByteArray());
    }

    @Provide
    Arbitrary<List<List<byte[]>>> commands() {
        Arbitrary<byte[]> arg = Arbitraries.bytes().array(byte[].class).ofMaxSize(120);
        return arg.list().ofMinSize(1).ofMaxSize(6).list().ofMinSize(1).ofMaxSize(8);
    }

    @Test
    void aHugeBufferIsNotNeededForAHugeArgument() throws IOException, RespException {
        byte[] value = new byte[3 << 20];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new RespWriter(out).write(bytes("SET"), bytes("k"), value);
        RespReader r = new RespReader(new ByteArrayInputStream(out.toByteArray()), 0, 4096, 1024);
        RespCommand c = new RespCommand();
        r.read(c);
        assertThat(c.argLength(2)).isEqualTo(value.length);
        assertThat(c.data().length).isLessThan(4096);
    }
}
