package io.redback.redis;

import io.redback.bytes.BulkInputStream;
import io.redback.resp.Resp;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One connection speaking the replica side of the replication protocol: commands out, then
 * the simple replies of the handshake, then raw bytes (the RDB, later the command stream).
 * Its input is one buffer shared by both phases, so bytes that arrived together with the last
 * handshake line are not lost: {@link #input()} serves them first. Reading is for one thread;
 * {@link #send} may be called from another at the same time.
 */
final class ReplicaLink implements AutoCloseable {
    private static final int MAX_LINE = 64 * 1024;
    // INFO server is a few KB; anything near this is not Redis.
    private static final int MAX_BULK = 1 << 20;
    private static final int MAX_ARRAY = 1024;

    private final Socket socket;
    private final String address;
    private final OutputStream out;
    private final Input in;
    private int keepalives;
    // The stage the reader is in, for timeouts: its name, its limit, and (for a limit on the
    // whole stage rather than on each silence) when it ends. Only the reading thread touches them.
    private String stage = "while logging in";
    private Duration stageLimit;
    private long stageDeadline;
    private boolean stageHasDeadline;
    private int stageKeepalives;

    ReplicaLink(Socket socket, String address) throws IOException {
        this.socket = socket;
        this.address = address;
        this.out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        this.in = new Input(socket.getInputStream());
    }

    /** Sends a command and reads its reply (see {@link #readReply()}). */
    Object call(Object... args) throws IOException {
        send(args);
        return readReply();
    }

    /**
     * Sends a command without reading anything. Safe to call from another thread while one
     * reads (a replica's ACKs go out while the command stream comes in): only writers take
     * the lock, so a reader never waits for it.
     */
    void send(Object... args) throws IOException {
        synchronized (out) {
            Resp.writeCommand(out, args);
            out.flush();
        }
    }

    /**
     * One reply: {@code String} for a status line, {@code Long}, {@code byte[]} for a bulk
     * string or null; an error reply is thrown as {@link RedisErrorReply}. Keepalive newlines
     * before it are skipped.
     */
    Object readReply() throws IOException {
        return readReply(false);
    }

    private Object readReply(boolean inArray) throws IOException {
        String line = readLine();
        if (line.isEmpty()) {
            throw protocol("an empty reply line");
        }
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '+':
                return rest;
            case '-':
                throw new RedisErrorReply(rest);
            case ':':
                return parseLong(rest, line);
            case '$': {
                long n = parseLong(rest, line);
                if (n == -1) {
                    return null;
                }
                if (n < 0 || n > MAX_BULK) {
                    throw protocol("a bulk reply of " + n + " bytes");
                }
                byte[] value = in.readExactly((int) n + 2);
                if (value[(int) n] != '\r' || value[(int) n + 1] != '\n') {
                    throw protocol("a bulk reply not ended by CRLF");
                }
                return Arrays.copyOf(value, (int) n);
            }
            case '*': {
                // Only CONFIG GET's flat pair is asked for here.
                long n = parseLong(rest, line);
                if (n == -1) {
                    return null;
                }
                if (inArray || n < 0 || n > MAX_ARRAY) {
                    throw protocol(inArray ? "a nested array" : "an array of " + n + " elements");
                }
                java.util.List<Object> items = new java.util.ArrayList<>((int) n);
                for (int i = 0; i < n; i++) {
                    try {
                        items.add(readReply(true));
                    } catch (RedisErrorReply e) {
                        items.add(e);
                    }
                }
                return items;
            }
            default:
                throw protocol("a reply starting with '" + printable(line) + "'");
        }
    }

    /**
     * The next CRLF-terminated line without its CRLF, skipping the bare newlines a master sends
     * as keepalives while it prepares a full sync (they never start a real reply).
     */
    String readLine() throws IOException {
        return in.readLine();
    }

    /** The raw bytes after the last line read: the RDB payload, then the command stream. */
    InputStream input() {
        return in;
    }

    void readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout(millis(timeout));
    }

    /**
     * Starts a stage of the link: a read that times out from now on says that it happened
     * {@code what} (e.g. "while waiting for the RDB"). With {@code whole}, the stage as a whole
     * may last {@code limit}, whatever arrives meanwhile (keepalive newlines do not extend it);
     * otherwise {@code limit} is the longest silence.
     */
    void stage(String what, Duration limit, boolean whole) throws IOException {
        stage = what;
        stageLimit = limit;
        stageHasDeadline = whole;
        stageDeadline = System.nanoTime() + limit.toNanos();
        stageKeepalives = keepalives;
        readTimeout(limit);
    }

    private static int millis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** Before a wait for bytes of a stage with a deadline: the wait may last until the deadline only. */
    private void beforeWait() throws IOException {
        if (!stageHasDeadline) {
            return;
        }
        long left = stageDeadline - System.nanoTime();
        if (left <= 0) {
            throw timedOut(true);
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000 + 1)));
    }

    private SocketTimeoutException timedOut(boolean keepalivesOnly) {
        if (stageLimit == null) {
            return new SocketTimeoutException(address + " did not answer " + stage);
        }
        String what = stageHasDeadline
                ? (keepalivesOnly || keepalives > stageKeepalives ? " sent no more than keepalives for " : " sent nothing for ")
                + seconds(stageLimit) + " " + stage + " (the limit of this stage; see --timeout)"
                : " sent nothing for " + seconds(stageLimit) + " " + stage + " (the longest silence allowed; "
                + "see --timeout)";
        return new SocketTimeoutException(address + what);
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms / 1000.0 + " s";
    }

    /** Keepalive newlines skipped so far (tests check that the path was taken). */
    int keepalives() {
        return keepalives;
    }

    int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() {
        RedisConnector.closeQuietly(socket);
    }

    private IOException protocol(String what) {
        return new IOException(address + " sent " + what + " during the replication handshake; is it a Redis server?");
    }

    private long parseLong(String digits, String line) throws IOException {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw protocol("a malformed number line '" + printable(line) + "'");
        }
    }

    static String printable(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
        }
        return sb.toString();
    }

    /** The buffered input: lines for the handshake, then a plain stream that drains the buffer first. */
    private final class Input extends BulkInputStream {
        private final InputStream socketIn;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;

        Input(InputStream socketIn) {
            this.socketIn = socketIn;
        }

        String readLine() throws IOException {
            byte[] line = new byte[128];
            int n = 0;
            while (true) {
                if (pos == lim) {
                    beforeWait();
                    fill();
                }
                int b = buf[pos++];
                if (b == '\n' && n == 0) {
                    keepalives++;
                    if (stageHasDeadline && System.nanoTime() - stageDeadline >= 0) {
                        throw timedOut(true);
                    }
                    continue;
                }
                if (b == '\n' && line[n - 1] == '\r') {
                    return new String(line, 0, n - 1, StandardCharsets.ISO_8859_1);
                }
                if (n == line.length) {
                    if (n >= MAX_LINE) {
                        throw protocol("a line longer than " + MAX_LINE + " bytes");
                    }
                    line = Arrays.copyOf(line, n * 2);
                }
                line[n++] = (byte) b;
            }
        }

        byte[] readExactly(int n) throws IOException {
            byte[] out = new byte[n];
            int done = 0;
            while (done < n) {
                int r = read(out, done, n - done);
                if (r < 0) {
                    throw closed();
                }
                done += r;
            }
            return out;
        }

        private void fill() throws IOException {
            pos = 0;
            lim = 0;
            int r;
            try {
                r = socketIn.read(buf, 0, buf.length);
            } catch (SocketTimeoutException e) {
                throw timedOut(false);
            }
            if (r < 0) {
                throw closed();
            }
            lim = r;
        }

        private EOFException closed() {
            return new EOFException(address + " closed the replication connection");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos < lim) {
                int n = Math.min(len, lim - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }
            try {
                return socketIn.read(b, off, len); // large reads go straight to the caller's buffer
            } catch (SocketTimeoutException e) {
                throw timedOut(false);
            }
        }

        @Override
        public void close() {
            ReplicaLink.this.close();
        }
    }
}
