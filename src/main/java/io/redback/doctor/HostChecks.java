package io.redback.doctor;

import static io.redback.doctor.Check.evidence;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The checks of the host the server runs on: kernel settings, limits, disk room and file modes. */
final class HostChecks {
    /** Redis keeps this many descriptors beyond maxclients for itself (CONFIG_MIN_RESERVED_FDS). */
    static final int RESERVED_FDS = 32;

    private HostChecks() {
    }

    static List<Check> run(Server s, Host h, Profile profile) {
        List<Check> out = new ArrayList<>();
        if (!h.local()) {
            for (String id : List.of("host.overcommit", "host.thp", "host.disk-headroom", "host.nofile",
                    "host.somaxconn", "files.permissions")) {
                out.add(Check.skip(id, h.notLocal));
            }
            return out;
        }
        out.add(overcommit(h, profile));
        out.add(thp(s, h));
        out.add(diskHeadroom(s));
        out.add(nofile(s, h));
        out.add(somaxconn(s, h));
        out.add(permissions(s, h));
        return out;
    }

    static Check overcommit(Host h, Profile profile) {
        String id = "host.overcommit";
        String v = h.sysctl("vm/overcommit_memory");
        if (v == null) {
            return Check.skip(id, "cannot read /proc/sys/vm/overcommit_memory");
        }
        Object[] ev = {"vm.overcommit_memory", v};
        String fix = "sysctl -w vm.overcommit_memory=1 && echo 'vm.overcommit_memory = 1' > /etc/sysctl.d/60-redis.conf";
        return switch (v) {
            case "1" -> Check.ok(id, "vm.overcommit_memory is 1: fork() for BGSAVE and AOF rewrite cannot fail "
                    + "for lack of committable memory", evidence(ev));
            case "2" -> Check.fail(id, "vm.overcommit_memory is 2 (strict): fork() for BGSAVE fails once the "
                    + "dataset is larger than what is left to commit (\"Can't save in background: fork: Cannot "
                    + "allocate memory\")", evidence(ev), fix);
            default -> Check.problem(profile == Profile.STORE, id, "vm.overcommit_memory is " + v + ": fork() for "
                    + "BGSAVE can fail with ENOMEM under memory pressure, and persistence then stops", evidence(ev), fix);
        };
    }

    static Check thp(Server s, Host h) {
        String id = "host.thp";
        String v = h.thp("enabled");
        if (v == null) {
            return Check.skip(id, "cannot read /sys/kernel/mm/transparent_hugepage/enabled");
        }
        String disabled = s.config("disable-thp");
        Object[] ev = {"transparent_hugepage", v, "disable-thp", disabled};
        if (!v.equals("always")) {
            return Check.ok(id, "transparent huge pages: " + v, evidence(ev));
        }
        String fix = "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (and at boot: "
                + "transparent_hugepage=madvise on the kernel command line)";
        if ("yes".equals(disabled)) {
            return Check.warn(id, "transparent huge pages are 'always'; the server turns them off for itself "
                    + "(disable-thp yes), other processes still get them", evidence(ev), fix);
        }
        return Check.fail(id, "transparent huge pages are 'always': every fork copies 2 MB pages on write, "
                + "so BGSAVE and AOF rewrites use far more memory and latency spikes", evidence(ev), fix);
    }

    static Check diskHeadroom(Server s) {
        String id = "host.disk-headroom";
        String dir = s.config("dir");
        if (dir == null) {
            return Check.skip(id, "the data dir is unknown: " + s.configRefused);
        }
        if (dir.isEmpty()) {
            // CONFIG GET dir is the server's getcwd(), which fails once the directory is removed.
            return Check.fail(id, "the server's data dir no longer exists (CONFIG GET dir answers nothing: the "
                    + "directory it changed into was removed): every BGSAVE fails", evidence("dir", dir),
                    "CONFIG SET dir <an existing directory the server may write>; CONFIG REWRITE; then BGSAVE");
        }
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            return Check.fail(id, "the data dir " + dir + " does not exist or is not a directory here: every BGSAVE "
                    + "fails", evidence("dir", dir), "mkdir -p " + dir + " && chown redis: " + dir
                    + " (or CONFIG SET dir <an existing dir> and CONFIG REWRITE)");
        }
        long used = s.infoLong("used_memory", -1);
        if (used < 0) {
            return Check.skip(id, "used_memory is unknown: " + (s.infoRefused == null ? "no INFO field" : s.infoRefused));
        }
        long free;
        try {
            FileStore store = Files.getFileStore(p);
            free = store.getUsableSpace();
        } catch (IOException e) {
            return Check.skip(id, "cannot read the free space of " + dir + ": " + e.getMessage());
        }
        long aof = s.aofOn() ? s.infoLong("aof_current_size", 0) : 0;
        // An RDB save writes a whole new file before the old one goes; an AOF rewrite writes a
        // new base (up to the dataset's size) while the old base and incr files stay.
        long need = used + aof;
        Object[] ev = {"dir", dir, "freeBytes", free, "usedMemory", used, "aofCurrentSize", s.aofOn() ? aof : null,
                "neededBytes", need};
        String fix = "free space in " + dir + " or move dir to a larger volume (CONFIG SET dir ...; then CONFIG REWRITE)";
        if (free < need) {
            return Check.fail(id, "only " + mb(free) + " free in " + dir + ", less than a save or rewrite may need ("
                    + mb(need) + "): it would fail half-written", evidence(ev), fix);
        }
        if (free < 2 * need) {
            return Check.warn(id, mb(free) + " free in " + dir + ", less than twice what a save or rewrite needs ("
                    + mb(need) + ")", evidence(ev), fix);
        }
        return Check.ok(id, mb(free) + " free in " + dir + " for saves and rewrites needing up to " + mb(need),
                evidence(ev));
    }

    static Check nofile(Server s, Host h) {
        String id = "host.nofile";
        if (h.pid < 0) {
            return Check.skip(id, "the server's process (pid " + s.info("process_id") + ") is not visible here "
                    + "(another container or pid namespace?)");
        }
        long limit = h.softLimit("Max open files");
        long maxclients = s.configLong("maxclients", -1);
        if (limit == -2) {
            return Check.skip(id, "cannot read /proc/" + h.pid + "/limits");
        }
        if (maxclients < 0) {
            return Check.skip(id, "maxclients is unknown: " + s.configRefused);
        }
        Object[] ev = {"pid", h.pid, "maxOpenFiles", limit < 0 ? "unlimited" : limit, "maxclients", maxclients};
        if (limit >= 0 && limit < maxclients + RESERVED_FDS) {
            return Check.warn(id, "the server may open " + limit + " files but maxclients is " + maxclients
                    + " (plus " + RESERVED_FDS + " for itself): clients beyond " + Math.max(0, limit - RESERVED_FDS)
                    + " are refused", evidence(ev), "LimitNOFILE=" + (maxclients + RESERVED_FDS)
                    + " in the server's systemd unit (or ulimit -n " + (maxclients + RESERVED_FDS)
                    + " before starting it), then restart");
        }
        return Check.ok(id, "open-files limit " + (limit < 0 ? "unlimited" : limit) + " covers maxclients "
                + maxclients, evidence(ev));
    }

    static Check somaxconn(Server s, Host h) {
        String id = "host.somaxconn";
        String v = h.sysctl("net/core/somaxconn");
        long backlog = s.configLong("tcp-backlog", -1);
        if (v == null) {
            return Check.skip(id, "cannot read /proc/sys/net/core/somaxconn");
        }
        if (backlog < 0) {
            return Check.skip(id, "tcp-backlog is unknown: " + s.configRefused);
        }
        long max = Server.parseLong(v, -1);
        Object[] ev = {"net.core.somaxconn", max, "tcp-backlog", backlog};
        if (max >= 0 && max < backlog) {
            return Check.warn(id, "net.core.somaxconn (" + max + ") is below tcp-backlog (" + backlog
                    + "): the kernel silently caps the accept queue", evidence(ev),
                    "sysctl -w net.core.somaxconn=" + backlog + " && echo 'net.core.somaxconn = " + backlog
                            + "' > /etc/sysctl.d/60-redis-somaxconn.conf");
        }
        return Check.ok(id, "net.core.somaxconn " + max + " >= tcp-backlog " + backlog, evidence(ev));
    }

    static Check permissions(Server s, Host h) {
        String id = "files.permissions";
        String dir = s.config("dir");
        if (dir == null) {
            return Check.skip(id, "the data dir is unknown: " + s.configRefused);
        }
        Path d = Path.of(dir);
        if (dir.isEmpty() || !Files.isDirectory(d)) {
            return Check.skip(id, "the data dir " + dir + " is not visible here");
        }
        List<Path> files = new ArrayList<>();
        String dbfilename = s.config("dbfilename");
        if (dbfilename != null && Files.isRegularFile(d.resolve(dbfilename))) {
            files.add(d.resolve(dbfilename));
        }
        String aofDir = s.config("appenddirname");
        if (aofDir != null && Files.isDirectory(d.resolve(aofDir))) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d.resolve(aofDir))) {
                ds.forEach(files::add);
            } catch (IOException e) {
                return Check.skip(id, "cannot list " + d.resolve(aofDir) + ": " + e.getMessage());
            }
        }
        if (files.isEmpty()) {
            return Check.skip(id, "no RDB or AOF file in " + dir + " yet");
        }
        int owner = h.uid();
        List<String> worldReadable = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        for (Path f : files) {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
                if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                    worldReadable.add(f.getFileName().toString());
                }
                int uid = (Integer) Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                if (owner >= 0 && uid != owner) {
                    foreign.add(f.getFileName() + " (uid " + uid + ")");
                }
            } catch (IOException | UnsupportedOperationException | ClassCastException e) {
                return Check.skip(id, "cannot read the owner and mode of " + f + ": " + e.getMessage());
            }
        }
        Object[] ev = {"dir", dir, "files", files.size(), "serverUid", owner >= 0 ? owner : null,
                "worldReadable", worldReadable.isEmpty() ? null : worldReadable,
                "notOwnedByServer", foreign.isEmpty() ? null : foreign};
        if (!worldReadable.isEmpty() || !foreign.isEmpty()) {
            String user = owner >= 0 ? Integer.toString(owner) : "redis";
            return Check.warn(id, (worldReadable.isEmpty() ? "" : worldReadable.size() + " data file(s) other users "
                    + "can read") + (!worldReadable.isEmpty() && !foreign.isEmpty() ? "; " : "")
                    + (foreign.isEmpty() ? "" : foreign.size() + " not owned by the server's user"), evidence(ev),
                    "chown -R " + user + " " + dir + " && chmod 0660 " + dir + "/" + (dbfilename == null ? "dump.rdb"
                            : dbfilename) + (aofDir == null ? "" : " " + dir + "/" + aofDir + "/*"));
        }
        return Check.ok(id, files.size() + " data file(s) owned by the server's user, none readable by others",
                evidence(ev));
    }

    static String mb(long bytes) {
        if (bytes >= 10L << 30) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 10L << 20) {
            return (bytes >> 20) + " MiB";
        }
        return (bytes >> 10) + " KiB";
    }
}
