package io.redback.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.redback.repo.Repository;
import io.redback.storage.RepositoryUrl;
import io.redback.storage.Storage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The long-running agent: for each configured source a scheduler of jobs (snapshot, retention,
 * compact) and a supervised stream, the repository's state as Prometheus metrics, and an HTTP
 * endpoint serving them ({@code /metrics}, {@code /healthz}, {@code /status}, {@code /}).
 * {@link #stop()} drains the streams; {@link #reload} applies a new configuration to the sources
 * it changes.
 */
public final class Agent {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REFRESH_EVERY = Duration.ofSeconds(5);

    private final Map<String, String> env;
    private final AgentLog log;
    private final Duration stopTimeout;
    private final Clock clock;
    private final AgentMetrics metrics;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Instant startedAt;
    private AgentConfig config;
    private Storage storage;
    private Repository repository;
    private AgentState state;
    private HttpServer http;
    private java.util.concurrent.ExecutorService httpThreads;
    private ScheduledExecutorService refresher;
    private final Map<String, SourceRunner> runners = new LinkedHashMap<>();
    private volatile boolean stopping;

    /** An agent for config; log gets one line per event (JSON lines with jsonLog). */
    public Agent(AgentConfig config, Map<String, String> env, PrintWriter log, boolean jsonLog, Duration stopTimeout,
                 String version, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.env = env;
        this.log = new AgentLog(log, jsonLog, clock);
        this.stopTimeout = stopTimeout;
        this.clock = clock;
        this.metrics = new AgentMetrics(version);
        this.startedAt = clock.instant();
    }

    /**
     * The storage as the agent uses it: an encrypted repository's unlocked with the password in
     * REDBACK_REPO_PASSWORD (the agent never prompts), else as it is.
     */
    private Storage unlocked(Storage opened) throws IOException {
        try {
            java.util.Optional<io.redback.repo.RepositoryConfig> c = Repository.readConfig(opened);
            String password = env.get("REDBACK_REPO_PASSWORD");
            if (c.isEmpty() && password != null) {
                // never create an unencrypted repository for an agent that was given a password
                throw new io.redback.repo.RepositoryException("no repository at " + opened.describe() + ", and "
                        + "REDBACK_REPO_PASSWORD is set: create the encrypted repository first with `redback init --encrypt`");
            }
            if (c.isEmpty() || !c.get().encrypted()) {
                return opened;
            }
            if (password == null || password.isEmpty()) {
                throw new io.redback.repo.RepositoryException("the repository at " + opened.describe()
                        + " is encrypted: give the agent its password in REDBACK_REPO_PASSWORD");
            }
            return io.redback.storage.crypt.EncryptedStorage.unlock(opened, c.get().id(), password.toCharArray());
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /** Opens the repository (creating it when there is none), serves HTTP and starts every source. */
    public synchronized void start() throws IOException {
        storage = unlocked(RepositoryUrl.parse(config.repository(), env).open());
        repository = Repository.openOrInit(storage, clock, notice -> log.event(null, "repository", notice));
        state = AgentState.open(config.stateDir());
        http = HttpServer.create(new InetSocketAddress(config.listenHost(), config.listenPort()), 16);
        http.createContext("/metrics", this::metrics);
        http.createContext("/healthz", this::healthz);
        http.createContext("/status", this::status);
        http.createContext("/", this::page);
        httpThreads = Executors.newFixedThreadPool(2, r -> daemon(r, "agent-http"));
        http.setExecutor(httpThreads);
        http.start();
        for (AgentConfig.Source s : config.sources()) {
            startSource(s);
        }
        refresher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "agent-metrics"));
        refresher.scheduleWithFixedDelay(this::refreshAll, REFRESH_EVERY.toMillis(), REFRESH_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        log.event(null, "started", "agent running " + config.sources().size() + " source(s) into "
                + repository.describe() + "; metrics on http://" + address().getHostString() + ":" + address().getPort()
                + "/metrics", new AgentLog.Started(repository.describe(), address().getPort()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void startSource(AgentConfig.Source s) {
        SourceRunner r = new SourceRunner(s, repository, metrics, log, state, clock, stopTimeout);
        runners.put(s.name(), r);
        r.refresh();
        r.start();
    }

    private void refreshAll() {
        List<SourceRunner> now;
        synchronized (this) {
            now = new ArrayList<>(runners.values());
        }
        now.forEach(SourceRunner::refresh);
    }

    /** Where HTTP listens (the port chosen when the configuration said 0). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /**
     * Applies a new configuration: sources removed or changed are stopped (streams drained) and
     * started anew; unchanged ones run on. A new repository, listen address or state directory
     * needs a restart, and is reported as such.
     */
    public synchronized void reload(AgentConfig next) throws InterruptedException {
        String fixed = !next.repository().equals(config.repository()) ? "repository"
                : !next.listenHost().equals(config.listenHost()) || next.listenPort() != config.listenPort() ? "listen"
                : !next.stateDir().equals(config.stateDir()) ? "state-dir" : null;
        if (fixed != null) {
            log.event(null, "reload-refused", fixed + " changed: repository, listen and state-dir change only with a "
                    + "restart; keeping the running configuration");
            return;
        }
        Map<String, AgentConfig.Source> wanted = new LinkedHashMap<>();
        next.sources().forEach(s -> wanted.put(s.name(), s));
        for (SourceRunner r : new ArrayList<>(runners.values())) {
            if (!r.config.equals(wanted.get(r.config.name()))) {
                r.stop();
                r.awaitStopped(clock.instant().plus(stopTimeout));
                runners.remove(r.config.name());
                r.forgetMetrics();
            }
        }
        for (AgentConfig.Source s : next.sources()) {
            if (!runners.containsKey(s.name())) {
                startSource(s);
            }
        }
        config = next;
        log.event(null, "reloaded", "configuration reloaded: " + next.sources().size() + " source(s)");
    }

    /** Asks everything to stop; {@link #awaitStopped} waits for the streams to drain. */
    public void stop() {
        List<SourceRunner> all;
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            all = new ArrayList<>(runners.values());
        }
        log.event(null, "stopping", "stopping: streams flush and drain (up to " + stopTimeout.toSeconds() + " s)");
        all.forEach(SourceRunner::stop);
        Thread t = new Thread(() -> {
            Instant deadline = clock.instant().plus(stopTimeout);
            boolean clean = true;
            try {
                for (SourceRunner r : all) {
                    clean &= r.awaitStopped(deadline);
                }
            } catch (InterruptedException e) {
                clean = false;
            }
            if (http != null) {
                http.stop(0);
                httpThreads.shutdownNow();
            }
            if (refresher != null) {
                refresher.shutdownNow();
            }
            try {
                if (storage != null) {
                    storage.close();
                }
            } catch (Exception e) {
                clean = false;
            }
            log.event(null, "stopped", clean ? "stopped cleanly" : "stopped at the deadline; what was not drained "
                    + "waits in the spool for the next start");
            stopped.countDown();
        }, "agent-stop");
        t.setDaemon(true);
        t.start();
    }

    /** Waits until {@link #stop()} has finished. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------------------ HTTP

    private void metrics(HttpExchange ex) throws IOException {
        respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
    }

    private void healthz(HttpExchange ex) throws IOException {
        boolean ok = !stopping;
        respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", (ok ? "ok\n" : "stopping\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private StatusJson statusJson() {
        String state = stopping ? "stopping" : "running";
        List<SourceRunner.Status> sources = new ArrayList<>();
        String where;
        synchronized (this) {
            where = repository.describe();
            runners.values().forEach(r -> sources.add(r.status()));
        }
        return new StatusJson(state, startedAt.toString(), where, sources);
    }

    /** What /status shows: the agent's state, since when, the repository, each source. */
    record StatusJson(String state, String startedAt, String repository, List<SourceRunner.Status> sources) {
    }

    private void status(HttpExchange ex) throws IOException {
        respond(ex, 200, "application/json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(statusJson()));
    }

    private void page(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            respond(ex, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>redback agent"
                + "</title></head><body><h1>redback agent</h1><p><a href=\"/metrics\">metrics</a> · "
                + "<a href=\"/status\">status (JSON)</a> · <a href=\"/healthz\">healthz</a></p><table border=\"1\">"
                + "<tr><th>source</th><th>stream</th><th>job</th><th>schedule</th><th>last success</th><th>next</th>"
                + "<th>last result</th></tr>");
        for (SourceRunner.Status src : statusJson().sources()) {
            for (Map.Entry<String, SourceRunner.JobStatus> j : src.jobs().entrySet()) {
                SourceRunner.JobStatus job = j.getValue();
                b.append("<tr><td>").append(html(src.source())).append("</td><td>").append(html(src.stream()))
                        .append("</td><td>").append(html(j.getKey())).append("</td><td>").append(html(job.schedule()))
                        .append("</td><td>").append(html(job.lastSuccess())).append("</td><td>")
                        .append(html(job.next())).append("</td><td>").append(html(job.lastResult()))
                        .append("</td></tr>");
            }
        }
        b.append("</table></body></html>\n");
        respond(ex, 200, "text/html; charset=utf-8", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String html(Object o) {
        return o == null ? "" : o.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    private static void respond(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
