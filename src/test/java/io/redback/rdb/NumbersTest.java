package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Scores parsed straight from the bytes accept and reject exactly what the String-based parser
 * did (kept here as the reference), and give the same double, bit for bit.
 */
@io.redback.testsupport.Fast
class NumbersTest {

    /** The String-based parser the byte parser replaced: Double.parseDouble after Redis's own checks. */
    static double reference(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        if (s.isEmpty() || Character.isWhitespace(s.charAt(0)) || s.indexOf('x') >= 0 || s.indexOf('X') >= 0) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static void assertSameAsReference(byte[] text) {
        String s = new String(text, StandardCharsets.US_ASCII);
        double expected = reference(s);
        // At an offset inside a bigger array, as the reader calls it.
        byte[] padded = new byte[text.length + 7];
        java.util.Arrays.fill(padded, (byte) '7');
        System.arraycopy(text, 0, padded, 3, text.length);
        double got = Numbers.parseScore(padded, 3, text.length);
        assertThat(Double.doubleToRawLongBits(got) == Double.doubleToRawLongBits(expected)
                || Double.isNaN(got) && Double.isNaN(expected))
                .as("parseScore(\"%s\") = %s, expected %s", escape(s), got, expected).isTrue();
        assertThat(Numbers.isScore(padded, 3, text.length)).as("isScore(\"%s\")", escape(s))
                .isEqualTo(!Double.isNaN(expected));
    }

    private static void assertSameAsReference(String s) {
        assertSameAsReference(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    @Property(tries = 3000)
    void random_doubles_printed_as_redis_and_python_print_them(@ForAll("doubles") double d) {
        assertSameAsReference(String.format(Locale.ROOT, "%.17g", d));
        assertSameAsReference(Double.toString(d));               // shortest repr, Java's spelling
        assertSameAsReference(new java.math.BigDecimal(d).toPlainString().replaceFirst("^(-?\\d+\\.\\d{0,25}).*", "$1"));
        assertSameAsReference(String.format(Locale.ROOT, "%.15g", d));
        assertSameAsReference(String.format(Locale.ROOT, "%e", d));
        assertSameAsReference(String.format(Locale.ROOT, "%.3f", d));
    }

    @Provide
    Arbitrary<Double> doubles() {
        return Arbitraries.oneOf(
                Arbitraries.doubles().between(-1000, 1000),
                Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite),
                Arbitraries.integers().map(i -> (double) i));
    }

    @Property(tries = 3000)
    void random_texts_from_the_characters_of_numbers(@ForAll("numberish") String s) {
        assertSameAsReference(s);
    }

    @Provide
    Arbitrary<String> numberish() {
        return Arbitraries.strings().withChars("0123456789.+-eEfFdDinfINFtyaANx \t\u0001\u001f\u00ff")
                .ofMinLength(0).ofMaxLength(14);
    }

    @Property(tries = 2000)
    void random_bytes(@ForAll("anyBytes") byte[] text) {
        assertSameAsReference(text);
    }

    @Provide
    Arbitrary<byte[]> anyBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
    }

    @Test
    void infinities_nan_and_garbage() {
        List<String> cases = new ArrayList<>(List.of(
                "inf", "+inf", "-inf", "INF", "-Inf", "infinity", "+infinity", "-infinity", "Infinity",
                "-Infinity", "+Infinity", "INFINITY", "-iNfInItY", "infinit", "infinityy", "--inf", "+-inf",
                " inf", "inf ", "\u0001Infinity", "Infinity\u0001", "\u0001inf", "-\u0001inf",
                "nan", "NaN", "-NaN", "+nan", "NAN", "\u0001NaN",
                "", " ", "\t1", "1 ", "1\t", "\u00011", "1\u0001", "\u00001", "1\u0000", "\u001c1", "\u00ff1",
                "1\u00ff", "0x10", "0X1p3", "1x", "x", ".", "-", "+", "-.", ".e1", "e1", "E5", "1e", "1e+",
                "1e-", "1E+5", "1e-5", ".5", "5.", "-.5", "+5.", "1..2", "1.2.3", "1e5.5", "1e5e5", "00", "-0",
                "+0", "0.0", "-0.0", "1f", "1F", "1d", "1D", "1.5f", "1e3d", "1ff", "1fd", "f", "d", ".f",
                "1e", "1ef", "1 f", "1f ", "1,5", "1_000", "١", "734.0138845921437", "-734.0138845921437",
                "1e308", "1e309", "-1e309", "1e-324", "4.9e-324", "2.2250738585072011e-308",
                "1e99999999999999999999", "1e-99999999999999999999",
                "0.000000000000000000000000000000000000000000000000000001",
                "123456789012345678901234567890", "179769313486231570000000000000000000000000000000000000000"
                        + "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                        + "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                        + "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
                "9007199254740993", "0.1", "0.30000000000000004", "3.141592653589793238462643383279"));
        for (String c : cases) {
            assertSameAsReference(c);
        }
    }

    @Test
    void a_rejected_score_is_nan_and_an_accepted_one_a_value() {
        byte[] b = "xx734.0138845921437yy".getBytes(StandardCharsets.US_ASCII);
        assertThat(Numbers.parseScore(b, 2, 17)).isEqualTo(734.0138845921437);
        assertThat(Numbers.isScore(b, 2, 17)).isTrue();
        assertThat(Numbers.parseScore(b, 0, 19)).isNaN();
        assertThat(Numbers.isScore(b, 2, 19)).isFalse();
    }
}
