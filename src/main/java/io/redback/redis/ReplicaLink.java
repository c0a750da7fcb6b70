package io.redback.redis;

import io.redback.resp.Resp;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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

    private final Socket socket;
    private final String address;
    private final OutputStream out;
    private final Input in;
    private int keepalives;

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
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
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
    private final class Input extends InputStream {
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
                    fill();
                }
                int b = buf[pos++];
                if (b == '\n' && n == 0) {
                    keepalives++;
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
            int r = socketIn.read(buf, 0, buf.length);
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
            return socketIn.read(b, off, len); // large reads go straight to the caller's buffer
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public void close() {
            ReplicaLink.this.close();
        }
    }
}
