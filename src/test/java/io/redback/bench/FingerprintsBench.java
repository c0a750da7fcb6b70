package io.redback.bench;

import io.redback.rdb.FingerprintsBenchSupport;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The duplicate-member table a check clears and fills per collection: 1,000 keys of 6 members
 * after one of 2,000 ({@code smallAfterMidSized}, the table must not stay that big), and keys of
 * 2,000 members one after another ({@code midSized}). Nanoseconds per key.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FingerprintsBench {
    private final FingerprintsBenchSupport table = new FingerprintsBenchSupport();

    @Benchmark
    @OperationsPerInvocation(1001)
    public int smallAfterMidSized() {
        int n = table.key(0, 2000);
        for (int k = 0; k < 1000; k++) {
            n += table.key(10_000L + k * 8L, 6);
        }
        return n;
    }

    @Benchmark
    public int midSized() {
        return table.key(0, 2000);
    }
}
