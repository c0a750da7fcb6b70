package io.redback.storage.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The parsing helpers of {@link S3Url}: options, endpoint, region, the environment. */
final class UrlParsing {
    static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]");
    static final Pattern REGION = Pattern.compile("[a-z0-9-]{2,40}");
    static final List<String> OPTIONS = List.of("endpoint", "region", "path-style", "sse");

    private UrlParsing() {
    }

    static Map<String, String> query(String text, String query) {
        Map<String, String> options = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return options;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = (eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("unknown option '" + name + "' in repository URL '" + text
                        + "': the options are " + String.join(", ", OPTIONS));
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException("option '" + name + "' in repository URL '" + text + "' has no value");
            }
            if (options.put(name, value) != null) {
                throw new IllegalArgumentException("option '" + name + "' appears twice in repository URL '" + text + "'");
            }
        }
        return options;
    }

    static URI endpoint(String value, String text) {
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value.replaceAll("/+$", ""));
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && (uri.getPath() == null || uri.getPath().isEmpty()) && uri.getQuery() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new IllegalArgumentException("endpoint '" + value + "' for '" + text
                + "' is not valid: use http://host:port or https://host (no path)");
    }

    static boolean bool(String name, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(name + "=" + value + " is not valid: use true or false");
        };
    }

    static String env(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    static String firstEnv(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env(env, n);
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
