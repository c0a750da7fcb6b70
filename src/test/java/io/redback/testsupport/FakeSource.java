package io.redback.testsupport;

import io.redback.rdb.Crc64;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hostile or broken "Redis" on 127.0.0.1 for the cases a real server never produces: a
 * scripted RESP server that records every command it receives and answers as the test's
 * {@link Script} says (keepalives for ever, a 1 TiB length, arrays nested a million deep).
 * Each connection has its own thread; {@link #close()} closes the listener and every
 * connection and waits for the threads, so that nothing outlives a test.
 */
public final class FakeSource implements AutoCloseable {
    /** Answers one command on a connection; may write anything, block, or throw to end the connection. */
    @FunctionalInterface
    public interface Script {
        void answer(List<String> command, Connection connection) throws IOException, InterruptedException;
    }

    /** One client's connection, as the script sees it. */
    public final class Connection {
        private final OutputStream out;

        Connection(OutputStream out) {
            this.out = out;
        }

        /** Writes these bytes as they are (no CRLF added) and flushes. */
        public void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Writes this text as ISO-8859-1 bytes, as it is, and flushes. */
        public void send(String raw) throws IOException {
            send(raw.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** Sends a bulk string reply. */
        public void bulk(String value) throws IOException {
            byte[] b = value.getBytes(StandardCharsets.UTF_8);
            send("$" + b.length + "\r\n");
            send(b);
            send("\r\n");
        }

        /** Waits until the fake is closed (a stalled server). */
        public void stall() throws InterruptedException {
            while (!closed) {
                Thread.sleep(20);
            }
        }

        /** Sends a keepalive newline every {@code everyMs} until the fake or the connection is closed. */
        public void keepalivesForever(long everyMs) throws IOException, InterruptedException {
            while (!closed) {
                send("\n");
                Thread.sleep(everyMs);
            }
        }
    }

    private final ServerSocket listener;
    private final Script script;
    private final List<List<String>> commands = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private FakeSource(Script script) throws IOException {
        this.script = script;
        this.listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::accept, "fake-source-accept");
        acceptor.setDaemon(true);
        threads.add(acceptor);
        acceptor.start();
    }

    /** Listens on a free 127.0.0.1 port. */
    public static FakeSource start(Script script) throws IOException {
        return new FakeSource(script);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port();
    }

    /** Every command received so far, in order, over all connections. */
    public List<List<String>> commands() {
        return List.copyOf(commands);
    }

    /** Whether a command with exactly these words (case as sent) was received. */
    public boolean received(String... words) {
        return commands.contains(List.of(words));
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closed either way.
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closed either way.
            }
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(s);
            Thread t = new Thread(() -> serve(s), "fake-source-" + s.getPort());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            Connection c = new Connection(s.getOutputStream());
            while (!closed) {
                List<String> command = readCommand(in);
                commands.add(command);
                script.answer(command, c);
            }
        } catch (IOException | InterruptedException e) {
            // The client went away, or the fake was closed.
        }
    }

    private static List<String> readCommand(InputStream in) throws IOException {
        String header = line(in);
        if (!header.startsWith("*")) {
            throw new IOException("not a command: " + header);
        }
        int n = Integer.parseInt(header.substring(1));
        List<String> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = Integer.parseInt(line(in).substring(1));
            byte[] b = in.readNBytes(len + 2);
            if (b.length < len + 2) {
                throw new EOFException();
            }
            args.add(new String(b, 0, len, StandardCharsets.UTF_8));
        }
        return args;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException();
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * A valid RDB (version 11, no keys) whose {@code redis-ver} aux field is {@code redisVer},
     * with its CRC64: what a source with that version string would send.
     */
    public static byte[] emptyRdb(String redisVer) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("REDIS0011".getBytes(StandardCharsets.US_ASCII));
        b.write(0xFA);
        string(b, "redis-ver".getBytes(StandardCharsets.US_ASCII));
        string(b, redisVer.getBytes(StandardCharsets.UTF_8));
        b.write(0xFF);
        byte[] body = b.toByteArray();
        long crc = Crc64.update(0, body, 0, body.length);
        for (int i = 0; i < 8; i++) {
            b.write((int) (crc >>> (8 * i)) & 0xff);
        }
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, byte[] s) {
        if (s.length >= 64) {
            throw new IllegalArgumentException("short strings only");
        }
        b.write(s.length);
        b.writeBytes(s);
    }

    /** The answer of a source to the handshake's commands, for scripts that only change the rest. */
    public static boolean handshake(List<String> command, Connection c, String info) throws IOException {
        switch (command.get(0).toUpperCase()) {
            case "PING" -> c.send("+PONG\r\n");
            case "AUTH", "REPLCONF", "SELECT" -> c.send("+OK\r\n");
            case "INFO" -> c.bulk(info);
            case "CONFIG" -> c.send("-NOPERM this user has no permissions to run the 'config|get' command\r\n");
            default -> {
                return false;
            }
        }
        return true;
    }

    /** INFO server of a Redis 7.2 source. */
    public static final String REDIS_INFO = "# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n";
    /** A replication id, 40 characters. */
    public static final String REPLID = "0123456789abcdef0123456789abcdef01234567";
}
