package io.redback.redis;

import io.redback.resp.Resp;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small synchronous RESP2 client: one socket (TCP, or TLS from RedisConnector), one command
 * at a time. Replies come back as {@code String} (simple string), {@code byte[]} (bulk string),
 * {@code Long}, {@code List<Object>} or {@code null}; an error reply is thrown as {@link RedisErrorReply}
 * (inside an array, as from EXEC, it is an element of the list instead). It does no AUTH, TLS
 * or pooling itself: {@link RedisConnector} opens authenticated and TLS connections to sources;
 * ordinary application traffic uses Jedis. Not thread-safe.
 */
public final class RedisConnection implements AutoCloseable {
    /** Connect and read timeout unless one is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final String address;
    private final Socket socket;
    private final OutputStream out;
    private final Resp.Reader reader;
    // After an I/O failure we no longer know where the next reply starts.
    private IOException broken;

    public RedisConnection(String host, int port) throws IOException {
        this(host, port, DEFAULT_TIMEOUT);
    }

    /** Connects to host:port; {@code timeout} bounds the connect and each wait for a reply. */
    public RedisConnection(String host, int port, Duration timeout) throws IOException {
        this.address = host + ":" + port;
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), millis);
            s.setSoTimeout(millis);
            this.out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            // Resp.Reader buffers itself.
            this.reader = new Resp.Reader(s.getInputStream());
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot connect to Redis at " + address + ": " + e.getMessage(), e);
        }
        this.socket = s;
    }

    /**
     * Wraps a socket that is already connected (and, for TLS, handshaken): what
     * {@link RedisConnector} hands over. {@code timeout} bounds each wait for a reply.
     */
    RedisConnection(Socket connected, String address, Duration timeout) throws IOException {
        this.address = address;
        this.socket = connected;
        connected.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        this.out = new BufferedOutputStream(connected.getOutputStream(), 64 * 1024);
        this.reader = new Resp.Reader(connected.getInputStream());
    }

    /** Changes how long each wait for a reply may take. */
    void readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
    }

    /**
     * Sends one command and returns its reply. Arguments are {@code String} (UTF-8),
     * {@code byte[]} (binary-safe), {@code Long} or {@code Integer}.
     *
     * @throws RedisErrorReply if the server answers with an error
     * @throws IOException if the connection fails or times out; the connection is then unusable
     */
    public Object call(Object... args) throws IOException {
        if (broken != null) {
            throw new IOException("connection to " + address + " failed earlier (" + broken.getMessage()
                    + "); open a new one", broken);
        }
        Object reply;
        try {
            Resp.writeCommand(out, args);
            out.flush();
            reply = reader.read();
        } catch (IOException e) {
            broken = e;
            throw new IOException(commandName(args) + " to " + address + ": " + e.getMessage(), e);
        }
        if (reply instanceof Resp.Error error) {
            throw new RedisErrorReply(error.message());
        }
        return convertNestedErrors(reply);
    }

    /**
     * Pipelining: buffers one command without flushing or waiting. Read its reply, in order,
     * with {@link #receive}. Arguments as for {@link #call}.
     */
    public void send(Object... args) throws IOException {
        checkUsable();
        try {
            Resp.writeCommand(out, args);
        } catch (IOException e) {
            broken = e;
            throw new IOException(commandName(args) + " to " + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * Pipelining: flushes what {@link #send} buffered and reads the next reply. An error reply is
     * returned as a {@link RedisErrorReply} value, not thrown, so one refused command of a
     * pipeline does not hide the replies after it.
     */
    public Object receive() throws IOException {
        checkUsable();
        try {
            out.flush();
            Object reply = reader.read();
            return reply instanceof Resp.Error error ? new RedisErrorReply(error.message()) : convertNestedErrors(reply);
        } catch (IOException e) {
            broken = e;
            throw new IOException("reading a reply from " + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * Pipelining: buffers commands already encoded as RESP (whole commands, one or more), for a
     * caller that encodes in place; read their replies with {@link #receive}.
     */
    public void write(byte[] commands, int off, int len) throws IOException {
        checkUsable();
        try {
            out.write(commands, off, len);
        } catch (IOException e) {
            broken = e;
            throw new IOException("writing to " + address + ": " + e.getMessage(), e);
        }
    }

    /** Pipelining: sends what {@link #send} buffered. */
    public void flush() throws IOException {
        checkUsable();
        try {
            out.flush();
        } catch (IOException e) {
            broken = e;
            throw new IOException("writing to " + address + ": " + e.getMessage(), e);
        }
    }

    private void checkUsable() throws IOException {
        if (broken != null) {
            throw new IOException("connection to " + address + " failed earlier (" + broken.getMessage()
                    + "); open a new one", broken);
        }
    }

    /**
     * {@link #call} for commands answering a string (GET, PING, INFO, SET): bulk strings are
     * decoded as UTF-8; a nil reply gives {@code null}.
     */
    public String callString(Object... args) throws IOException {
        Object reply = call(args);
        if (reply == null || reply instanceof String) {
            return (String) reply;
        }
        if (reply instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        throw unexpected(args, "a string", reply);
    }

    /** {@link #call} for commands answering an integer (DBSIZE, INCR, DEL). */
    public long callLong(Object... args) throws IOException {
        Object reply = call(args);
        if (reply instanceof Long value) {
            return value;
        }
        throw unexpected(args, "an integer", reply);
    }

    /**
     * {@code INFO section} as a map of its "name:value" lines, in server order, without the
     * "# Section" headers.
     */
    public Map<String, String> info(String section) throws IOException {
        String text = callString("INFO", section);
        Map<String, String> fields = new LinkedHashMap<>();
        if (text == null) {
            return fields;
        }
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return fields;
    }

    /** host:port this connection talks to. */
    public String address() {
        return address;
    }

    /** Closes the socket. Never throws: there is nothing a caller could do about it. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // The socket is gone either way.
        }
    }

    @Override
    public String toString() {
        return "RedisConnection[" + address + "]";
    }

    private static Object convertNestedErrors(Object reply) {
        if (!(reply instanceof List<?> items)) {
            return reply;
        }
        List<Object> converted = null;
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            Object c = item instanceof Resp.Error e ? new RedisErrorReply(e.message()) : convertNestedErrors(item);
            if (c != item && converted == null) {
                converted = new ArrayList<>(items.subList(0, i));
            }
            if (converted != null) {
                converted.add(c);
            }
        }
        @SuppressWarnings("unchecked")
        List<Object> unchanged = (List<Object>) items;
        return converted != null ? converted : unchanged;
    }

    private IllegalStateException unexpected(Object[] args, String expected, Object reply) {
        String got = reply == null ? "nil" : reply.getClass().getSimpleName();
        return new IllegalStateException(commandName(args) + " to " + address + " answered " + got
                + ", expected " + expected);
    }

    private static String commandName(Object[] args) {
        if (args.length == 0) {
            return "(empty command)";
        }
        Object name = args[0];
        return name instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(name);
    }
}
