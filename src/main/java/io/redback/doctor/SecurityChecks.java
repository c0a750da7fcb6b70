package io.redback.doctor;

import static io.redback.doctor.Check.evidence;

import java.util.ArrayList;
import java.util.List;

/** Who can reach the data: the default user, the commands that destroy it, and what the server listens on. */
final class SecurityChecks {
    /** The commands that wipe or reconfigure a server in one call. */
    static final List<String> DANGEROUS = List.of("FLUSHALL", "FLUSHDB", "DEBUG", "CONFIG");
    // What ACL DRYRUN is asked for each: a whole command line (it checks arity), never run.
    private static final List<String[]> PROBES = List.of(new String[]{"FLUSHALL"}, new String[]{"FLUSHDB"},
            new String[]{"DEBUG", "DIGEST"}, new String[]{"CONFIG", "SET", "dir", "/"});

    private SecurityChecks() {
    }

    static List<Check> run(Server s) {
        List<Check> out = new ArrayList<>();
        out.add(defaultUser(s));
        out.add(dangerousCommands(s));
        out.add(protectedMode(s));
        return out;
    }

    /** Whether the default user can log in without a password: null when unknown. */
    static Boolean openDefault(Server s) {
        if (s.defaultUser != null) {
            List<?> flags = s.defaultUser.get("flags") instanceof List<?> l ? l : List.of();
            return flags.contains("on") && flags.contains("nopass");
        }
        String pass = s.config("requirepass");
        return pass == null ? null : pass.isEmpty();
    }

    static Check defaultUser(Server s) {
        String id = "security.default-user";
        Boolean open = openDefault(s);
        if (open == null) {
            return Check.skip(id, s.aclRefused + "; and " + (s.configRefused == null ? "no requirepass setting"
                    : s.configRefused));
        }
        Object flags = s.defaultUser == null ? null : s.defaultUser.get("flags");
        Object commands = s.defaultUser == null ? null : s.defaultUser.get("commands");
        Object[] ev = {"flags", flags, "commands", commands};
        String fix = "ACL SETUSER default on >$(openssl rand -hex 32) (or requirepass in redis.conf), give each "
                + "application its own user, then ACL SAVE or CONFIG REWRITE";
        if (open) {
            return Check.fail(id, "the default user needs no password: anyone who reaches the port can read, "
                    + "change or wipe every key", evidence(ev), fix);
        }
        if (commands != null && String.valueOf(commands).contains("+@all")) {
            return Check.warn(id, "the default user has a password but may run every command (+@all)", evidence(ev),
                    "ACL SETUSER default -@dangerous (or give applications their own users and turn the default "
                            + "user off: ACL SETUSER default off)");
        }
        return Check.ok(id, s.defaultUser == null ? "a password is required (requirepass)"
                : "the default user needs a password and has limited commands", evidence(ev));
    }

    static Check dangerousCommands(Server s) {
        String id = "security.dangerous-commands";
        if (s.defaultUser != null) {
            List<?> flags = s.defaultUser.get("flags") instanceof List<?> l ? l : List.of();
            if (flags.contains("off")) {
                return Check.ok(id, "the default user is off", evidence("flags", flags));
            }
        }
        List<String> reachable = new ArrayList<>();
        for (int i = 0; i < DANGEROUS.size(); i++) {
            String c = DANGEROUS.get(i);
            Boolean may = s.defaultUserMay(PROBES.get(i));
            if (may == null) {
                return Check.skip(id, "cannot ask ACL DRYRUN default " + c + " (needs Redis 7+ and a user allowed "
                        + "to run ACL DRYRUN)");
            }
            // Redis 7 refuses DEBUG to every user while enable-debug-command is no.
            if (may && !(c.equals("DEBUG") && "no".equals(s.config("enable-debug-command")))) {
                reachable.add(c);
            }
        }
        Object[] ev = {"reachableByDefaultUser", reachable, "enable-debug-command", s.config("enable-debug-command")};
        if (!reachable.isEmpty()) {
            StringBuilder fix = new StringBuilder("ACL SETUSER default");
            reachable.forEach(c -> fix.append(" -").append(c.toLowerCase(java.util.Locale.ROOT)));
            fix.append("; ACL SAVE (or CONFIG REWRITE)");
            return Check.warn(id, "the default user may run " + String.join(", ", reachable)
                    + ": one mistaken or malicious call wipes or reconfigures the server", evidence(ev), fix.toString());
        }
        return Check.ok(id, "the default user may not run " + String.join(", ", DANGEROUS), evidence(ev));
    }

    static Check protectedMode(Server s) {
        String id = "security.protected-mode";
        String mode = s.config("protected-mode");
        String bind = s.config("bind");
        if (mode == null || bind == null) {
            return Check.skip(id, s.configRefused == null ? "no protected-mode setting" : s.configRefused);
        }
        boolean everywhere = bind.isBlank() || bind.contains("0.0.0.0") || bind.contains("*") || bind.contains("::");
        Boolean open = openDefault(s);
        Object[] ev = {"protected-mode", mode, "bind", bind};
        if (mode.equals("no") && everywhere && Boolean.TRUE.equals(open)) {
            return Check.fail(id, "protected-mode no, listening on every interface (" + bind + ") and no password: "
                    + "the data is open to the network", evidence(ev),
                    "CONFIG SET protected-mode yes, or set a password (see security.default-user); bind only the "
                            + "interfaces clients use");
        }
        if (mode.equals("no") && everywhere) {
            return Check.warn(id, "protected-mode no and listening on every interface (" + bind + ")", evidence(ev),
                    "bind only the interfaces clients use (bind 10.0.0.5 127.0.0.1 in redis.conf)");
        }
        return Check.ok(id, "protected-mode " + mode + ", bind " + bind, evidence(ev));
    }
}
