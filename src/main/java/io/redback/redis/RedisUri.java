package io.redback.redis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where a source server is and how to log in: {@code redis://[user[:password]@]host[:port][/db]},
 * or {@code rediss://...} for TLS (with {@link TlsOptions}). The password can come from the
 * URI, but the safer doors are {@link #withPasswordFromEnv} and {@link #withPasswordFromFile}
 * ({@code --password-env NAME}, {@code --password-file PATH}), which keep it off command lines
 * and out of shell history. {@link #toString()} never shows the password, nor the PKCS12
 * password of the TLS options: print and log the record freely.
 *
 * @param tls whether the scheme is {@code rediss}
 * @param host a host name or an IP address (IPv6 without brackets)
 * @param port 1 to 65535, 6379 unless given
 * @param db the database a plain connection selects, 0 unless given
 * @param username an ACL user (6.0+), or null for the default user
 * @param password the password, or null for none
 * @param tlsOptions trust and client certificates, used only with {@code rediss}
 * @param connectTimeout how long opening the connection (TCP, TLS handshake, AUTH) may take
 */
public record RedisUri(boolean tls, String host, int port, int db, String username, String password,
                       TlsOptions tlsOptions, Duration connectTimeout) {
    public static final int DEFAULT_PORT = 6379;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final String PLAIN = "redis://";
    private static final String SECURE = "rediss://";
    private static final String FORM = "expected redis://[user[:password]@]host[:port][/db] or rediss://...";

    public RedisUri {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tlsOptions, "tlsOptions");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("the Redis URI names no host; " + FORM);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
        }
        if (db < 0) {
            throw new IllegalArgumentException("database " + db + " is negative");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive: " + connectTimeout);
        }
        if (username != null && username.isEmpty()) {
            username = null;
        }
    }

    /**
     * Parses a {@code redis://} or {@code rediss://} URI. User and password may be
     * percent-encoded ({@code %40} for '@'); an IPv6 host goes in brackets
     * ({@code redis://[::1]:6379}).
     *
     * @throws IllegalArgumentException naming what is wrong; the message never contains the password
     */
    public static RedisUri parse(String text) {
        Objects.requireNonNull(text, "uri");
        boolean tls;
        String rest;
        if (text.regionMatches(true, 0, SECURE, 0, SECURE.length())) {
            tls = true;
            rest = text.substring(SECURE.length());
        } else if (text.regionMatches(true, 0, PLAIN, 0, PLAIN.length())) {
            tls = false;
            rest = text.substring(PLAIN.length());
        } else {
            throw new IllegalArgumentException("not a Redis URI: '" + firstPart(text) + "...'; " + FORM);
        }
        // The last '@' ends the user info, so a password holding an unencoded '@' still parses.
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user name");
            if (colon >= 0) {
                password = decode(userInfo.substring(colon + 1), "password");
                if (password.isEmpty()) {
                    password = null;
                }
            }
        }
        int query = rest.indexOf('?');
        if (query >= 0) {
            throw new IllegalArgumentException("query parameters ('?...') are not supported in a Redis URI; "
                    + "use the command's options instead");
        }
        int slash = rest.indexOf('/');
        String hostPort = slash < 0 ? rest : rest.substring(0, slash);
        int db = slash < 0 ? 0 : parseDb(rest.substring(slash + 1));
        String host;
        int port = DEFAULT_PORT;
        String portText = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("IPv6 address without closing ']'; " + FORM);
            }
            host = hostPort.substring(1, close);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("unexpected text after the IPv6 address; " + FORM);
                }
                portText = after.substring(1);
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            portText = colon < 0 ? null : hostPort.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("an IPv6 host must be in brackets, e.g. redis://[::1]:6379");
            }
        }
        if (portText != null) {
            port = parseNumber(portText, "port");
        }
        return new RedisUri(tls, host, port, db, user, password, TlsOptions.DEFAULT, DEFAULT_CONNECT_TIMEOUT);
    }

    /** {@code host:port} ({@code [v6]:port}), for messages. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    public boolean hasPassword() {
        return password != null;
    }

    /** The same with this password (null for none). */
    public RedisUri withPassword(String newPassword) {
        return new RedisUri(tls, host, port, db, username, newPassword, tlsOptions, connectTimeout);
    }

    /** The same with this ACL user (null for the default user). */
    public RedisUri withUsername(String newUsername) {
        return new RedisUri(tls, host, port, db, newUsername, password, tlsOptions, connectTimeout);
    }

    /**
     * The same with the password read from the environment variable {@code name}
     * ({@code --password-env NAME}).
     *
     * @throws IllegalArgumentException if the variable is unset or empty
     */
    public RedisUri withPasswordFromEnv(String name) {
        return withPasswordFromEnv(name, System.getenv());
    }

    /** {@link #withPasswordFromEnv(String)} reading from {@code env}, for tests. */
    public RedisUri withPasswordFromEnv(String name, Map<String, String> env) {
        String value = env.get(name);
        if (value == null) {
            throw new IllegalArgumentException("environment variable " + name + " (--password-env) is not set");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("environment variable " + name + " (--password-env) is empty");
        }
        return withPassword(value);
    }

    /**
     * The same with the password read from a file ({@code --password-file PATH}): its whole
     * content as UTF-8, without one trailing line break (as {@code echo pw > file} leaves).
     *
     * @throws IOException if the file cannot be read or is empty
     */
    public RedisUri withPasswordFromFile(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read the password file " + file + " (--password-file): " + e.getMessage(), e);
        }
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
            throw new IOException("the password file " + file + " (--password-file) is empty");
        }
        return withPassword(text);
    }

    /** The same with these TLS options (they matter only for {@code rediss://}). */
    public RedisUri withTlsOptions(TlsOptions options) {
        return new RedisUri(tls, host, port, db, username, password, options, connectTimeout);
    }

    /** The same with another connect timeout. */
    public RedisUri withConnectTimeout(Duration timeout) {
        return new RedisUri(tls, host, port, db, username, password, tlsOptions, timeout);
    }

    /** The same pointing at another database. */
    public RedisUri withDb(int newDb) {
        return new RedisUri(tls, host, port, newDb, username, password, tlsOptions, connectTimeout);
    }

    /**
     * Another node (of the same cluster) at host:port, logged in to alike: the same user, password
     * and TLS settings, database 0.
     */
    public RedisUri atNode(String otherHost, int otherPort) {
        return new RedisUri(tls, otherHost, otherPort, 0, username, password, tlsOptions, connectTimeout);
    }

    /** The URI with the password shown as {@code ***}: safe for messages and logs. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(tls ? SECURE : PLAIN);
        if (username != null || password != null) {
            if (username != null) {
                sb.append(encode(username));
            }
            if (password != null) {
                sb.append(":***");
            }
            sb.append('@');
        }
        sb.append(address());
        if (db != 0) {
            sb.append('/').append(db);
        }
        return sb.toString();
    }

    private static int parseDb(String text) {
        return text.isEmpty() ? 0 : parseNumber(text, "database number");
    }

    /**
     * Never echoes the text: in {@code redis://admin:SECRET} (the host forgotten) the "port" is
     * the password.
     */
    private static int parseNumber(String text, String what) {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("the " + what + " of the Redis URI is not a number"
                    + (what.equals("port") ? " (if that was a password, the host is missing: "
                    + "redis://[user]:password@host:port)" : "") + "; " + FORM);
        }
        return Integer.parseInt(text);
    }

    /** Percent-decoding as in URIs; '+' stays '+' (this is not a form). */
    private static String decode(String s, String what) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0
                        || Character.digit(s.charAt(i + 2), 16) < 0) {
                    // Never echo the text: it may be the password.
                    throw new IllegalArgumentException("bad percent-encoding in the " + what
                            + " of the Redis URI (expected %XX with two hex digits)");
                }
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '@' || c == ':' || c == '/' || c == '%' || c == '?' || c <= 0x20 || c >= 0x7f) {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** The scheme of an unparseable URI, never the rest: it may hold a password. */
    private static String firstPart(String text) {
        int sep = text.indexOf("://");
        String shown = sep >= 0 ? text.substring(0, sep + 3) : text.indexOf('@') >= 0 ? "" : text;
        return shown.length() > 40 ? shown.substring(0, 40) : shown;
    }
}
