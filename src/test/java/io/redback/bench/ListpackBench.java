package io.redback.bench;

import io.redback.rdb.ListpackBenchSupport;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Walk of a realistic listpack (a 64-field hash: 128 mixed string and integer entries), once
 * validating only and once delivering every entry to a sink. The primary score is walks per
 * second; the {@code bytes} and {@code entries} counters give bytes/s and entries/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ListpackBench {
    private byte[] listpack;
    private ListpackBenchSupport support;
    private byte[] zset;
    private int zsetLength;
    private byte[] zsetOut;

    @Setup(Level.Trial)
    public void setUp() {
        listpack = ListpackBenchSupport.realisticListpack();
        support = new ListpackBenchSupport();
        zset = ListpackBenchSupport.compressedZsetListpack();
        zsetLength = ListpackBenchSupport.zsetRawLength();
        zsetOut = new byte[zsetLength];
    }

    /** Bytes and entries walked, reported by JMH as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long bytes;
        public long entries;
    }

    @Benchmark
    public int validateOnly(Counters c) throws Exception {
        int n = ListpackBenchSupport.validate(listpack);
        c.bytes += listpack.length;
        c.entries += n;
        return n;
    }

    @Benchmark
    public long walkWithSink(Counters c) throws Exception {
        long digest = support.walkWithSink(listpack);
        c.bytes += listpack.length;
        c.entries += 128;
        return digest;
    }

    /**
     * A compressed 20-member sorted set of the small-key dataset, decompressed and walked as
     * check reads it: LZF into a reused array, then the structural walk.
     */
    @Benchmark
    public int zsetLzfAndWalk(Counters c) throws Exception {
        int n = ListpackBenchSupport.decompressAndValidate(zset, zsetOut, zsetLength);
        c.bytes += zsetLength;
        c.entries += n;
        return n;
    }

    /** The same compressed bytes validated as LZF without being decompressed (check's string values). */
    @Benchmark
    public int zsetLzfValidateOnly(Counters c) throws Exception {
        int n = ListpackBenchSupport.validateLzf(zset, zsetLength);
        c.bytes += zsetLength;
        return n;
    }
}
