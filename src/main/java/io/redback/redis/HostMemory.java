package io.redback.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This host's memory as Linux's {@code /proc/meminfo} gives it: how many throwaway redis-servers
 * fit at once (a cluster's shards materialised side by side), and what {@code doctor} compares a
 * local server's needs with. Values are in bytes; -1 where the file or the field is missing.
 */
public final class HostMemory {
    private HostMemory() {
    }

    /** MemAvailable of this host, or -1 (not Linux). */
    public static long available() {
        try {
            return value(new String(Files.readAllBytes(Path.of("/proc/meminfo")), StandardCharsets.UTF_8),
                    "MemAvailable");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The field name ("MemAvailable") of a meminfo text, in bytes ("kB" is 1024), or -1. */
    public static long value(String meminfo, String name) {
        for (String line : meminfo.split("\n")) {
            if (line.startsWith(name + ":")) {
                String[] f = line.substring(name.length() + 1).trim().split("\\s+");
                try {
                    long n = Long.parseLong(f[0]);
                    return n < 0 ? -1 : f.length > 1 && f[1].equalsIgnoreCase("kB") ? n * 1024 : n;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
