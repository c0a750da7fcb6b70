package io.redback.bench;

import io.redback.rdb.Crc64;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of the RDB checksum over a 1 MiB (cache-resident) and a 64 MiB (memory-bound) array.
 * The primary score is whole-array checksums per second; the {@code bytes} counter is the rate in
 * bytes/s ({@code @OperationsPerInvocation} cannot follow a size parameter).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Crc64Bench {
    @Param({"1048576", "67108864"})
    public int size;

    private byte[] data;

    @Setup(Level.Trial)
    public void setUp() {
        data = new byte[size];
        new SplittableRandom(42).nextBytes(data);
    }

    /** Counts processed bytes, so that JMH prints a bytes/s score next to the call rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;
    }

    @Benchmark
    public void crc64(Bytes counter, Blackhole bh) {
        bh.consume(Crc64.update(0, data, 0, data.length));
        counter.bytes += data.length;
    }
}
