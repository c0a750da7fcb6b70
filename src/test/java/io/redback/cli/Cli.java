package io.redback.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.redis.RedisServerBinary;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs redback's command line inside a test as an operator would, capturing exit code, stdout
 * and stderr. Commands that start a redis-server get the tests' one (REDBACK_REDIS_SERVER).
 */
final class Cli {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Cli() {
    }

    record Run(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    static Run redback(String... args) {
        return redback(Map.of(), args);
    }

    /** Runs with these variables on top of the process environment. */
    static Run redback(Map<String, String> extraEnv, String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(RedisServerBinary.ENV_VAR, TestRedis.binary().toString());
        env.putAll(extraEnv);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = Main.commandLine(env);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** A test resource as a path. */
    static Path fixture(String resource) {
        try {
            return Path.of(Cli.class.getResource(resource).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
