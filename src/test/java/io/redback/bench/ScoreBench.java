package io.redback.bench;

import io.redback.rdb.ScoreBenchSupport;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sorted-set scores stored as text (listpack entries, old-style ZSET values): 1024 shortest-form
 * random doubles such as 734.0138845921437 (one in eight an integer). {@code before} is the
 * String-based parser, {@code parse} the byte parser when the value is needed, {@code validate}
 * the grammar check alone. The score is nanoseconds per score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ScoreBench {
    private static final int N = 1024;
    private byte[] text;
    private final int[] offs = new int[N];
    private final int[] lens = new int[N];

    @Setup(Level.Trial)
    public void setUp() {
        text = ScoreBenchSupport.scores(N, offs, lens);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public double before() {
        double sum = 0;
        for (int i = 0; i < N; i++) {
            sum += ScoreBenchSupport.parseBefore(text, offs[i], lens[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public double parse() {
        double sum = 0;
        for (int i = 0; i < N; i++) {
            sum += ScoreBenchSupport.parse(text, offs[i], lens[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int validate() {
        int valid = 0;
        for (int i = 0; i < N; i++) {
            valid += ScoreBenchSupport.valid(text, offs[i], lens[i]) ? 1 : 0;
        }
        return valid;
    }
}
