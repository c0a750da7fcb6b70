package io.redback.doctor;

import io.redback.redis.HostMemory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This host, as far as the server runs on it: whether the server's address is one of this
 * host's, whether its process (INFO's process_id) is visible in {@code /proc} as a redis or
 * valkey server, and the kernel settings read from {@code /proc} and {@code /sys}. When the
 * server is elsewhere, {@link #notLocal} says why, and the host checks skip with it.
 */
final class Host {
    private final Path proc;
    private final Path sys;
    /** Why the host checks do not apply, or null when the server runs here. */
    final String notLocal;
    /** The server's pid when its process is visible here, else -1. */
    final long pid;

    private Host(Path proc, Path sys, String notLocal, long pid) {
        this.proc = proc;
        this.sys = sys;
        this.notLocal = notLocal;
        this.pid = pid;
    }

    static Host of(String host, long pid) {
        return of(host, pid, Path.of("/proc"), Path.of("/sys"));
    }

    static Host of(String host, long pid, Path proc, Path sys) {
        if (!Files.isDirectory(proc.resolve("sys"))) {
            return new Host(proc, sys, "no /proc on this host (not Linux): the host checks read it", -1);
        }
        try {
            InetAddress a = InetAddress.getByName(host);
            if (!a.isLoopbackAddress() && !a.isAnyLocalAddress() && NetworkInterface.getByInetAddress(a) == null) {
                return new Host(proc, sys, "the server (" + host + ") runs on another host; run doctor there for "
                        + "the host checks", -1);
            }
        } catch (IOException e) {
            return new Host(proc, sys, "cannot tell where " + host + " runs (" + e.getMessage() + ")", -1);
        }
        long visible = -1;
        if (pid > 0) {
            String comm = read(proc.resolve(pid + "/comm"));
            if (comm != null && (comm.contains("redis") || comm.contains("valkey"))) {
                visible = pid;
            }
        }
        return new Host(proc, sys, null, visible);
    }

    boolean local() {
        return notLocal == null;
    }

    /** A sysctl under /proc/sys (e.g. "vm/overcommit_memory"), trimmed, or null. */
    String sysctl(String path) {
        return read(proc.resolve("sys").resolve(path));
    }

    /** The selected value of a /sys/kernel/mm/transparent_hugepage file ("always [madvise] never" gives madvise). */
    String thp(String file) {
        String s = read(sys.resolve("kernel/mm/transparent_hugepage").resolve(file));
        if (s == null) {
            return null;
        }
        int open = s.indexOf('[');
        int close = s.indexOf(']');
        return open >= 0 && close > open ? s.substring(open + 1, close) : s;
    }

    /** The soft limit of a /proc/pid/limits line ("Max open files"), or -2 when unknown, -1 unlimited. */
    long softLimit(String name) {
        if (pid < 0) {
            return -2;
        }
        String limits = read(proc.resolve(pid + "/limits"));
        if (limits == null) {
            return -2;
        }
        for (String line : limits.split("\n")) {
            if (line.startsWith(name)) {
                String[] f = line.substring(name.length()).trim().split("\\s+");
                return f[0].equals("unlimited") ? -1 : Server.parseLong(f[0], -2);
            }
        }
        return -2;
    }

    /** The real uid the server process runs as, or -1. */
    int uid() {
        String status = pid < 0 ? null : read(proc.resolve(pid + "/status"));
        if (status != null) {
            for (String line : status.split("\n")) {
                if (line.startsWith("Uid:")) {
                    return (int) Server.parseLong(line.substring(4).trim().split("\\s+")[0], -1);
                }
            }
        }
        return -1;
    }

    /** A /proc/meminfo value in bytes ("MemAvailable"), or -1. */
    long meminfo(String name) {
        String m = read(proc.resolve("meminfo"));
        return m == null ? -1 : HostMemory.value(m, name);
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
