package io.redback.storage;

import io.redback.storage.file.FileStorage;
import io.redback.storage.s3.S3Storage;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a repository lives, parsed from what the user typed: a plain path (relative or absolute;
 * {@value #DEFAULT} when none is given), {@code file:///abs/path}, or
 * {@code s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path-style=true&sse=AES256}.
 * For S3, the environment (passed in, never read statically) fills what the URL leaves out:
 * {@code REDBACK_S3_ENDPOINT}, {@code AWS_REGION} (or {@code AWS_DEFAULT_REGION}) and the access
 * key {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} (/ {@code AWS_SESSION_TOKEN});
 * without a key the standard AWS credential chain (profile, instance role) applies. A URL's
 * {@code toString} is canonical and never contains a secret. The two kinds are a closed set of
 * records, {@link Local} and {@link S3}.
 */
public sealed interface RepositoryUrl permits RepositoryUrl.Local, RepositoryUrl.S3 {

    /** The repository used when none is given. */
    String DEFAULT = "./redback-repo";

    /** Opens the storage this URL names; the caller closes it. Does not check that a repository is there. */
    Storage open() throws IOException;

    /**
     * Parses text (null or blank means {@value #DEFAULT}); env supplies the S3 defaults described
     * above. Throws IllegalArgumentException with a message fit for the user.
     */
    static RepositoryUrl parse(String text, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String t = text == null || text.isBlank() ? DEFAULT : text.strip();
        if (t.regionMatches(true, 0, "s3://", 0, 5)) {
            return S3.parse(t, env);
        }
        if (t.regionMatches(true, 0, "file:", 0, 5)) {
            return Local.parseFileUrl(t);
        }
        if (UrlParsing.SCHEME.matcher(t).lookingAt()) {
            throw new IllegalArgumentException("unsupported repository URL '" + t
                    + "': use a path, file:///absolute/path or s3://bucket/prefix");
        }
        try {
            return new Local(Path.of(t));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("repository path '" + t + "' is not valid here: " + e.getReason(), e);
        }
    }

    /** A repository in a local folder (made absolute against the working directory). */
    record Local(Path root) implements RepositoryUrl {
        public Local {
            root = root.toAbsolutePath().normalize();
        }

        @Override
        public Storage open() {
            return new FileStorage(root);
        }

        @Override
        public String toString() {
            return "file://" + root.toUri().getRawPath().replaceAll("(.)/$", "$1");
        }

        static Local parseFileUrl(String text) {
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("repository URL '" + text + "' is not valid: " + e.getReason()
                        + " (spaces and '%' must be percent-encoded, or give a plain path)", e);
            }
            String host = uri.getAuthority();
            if (uri.isOpaque() || (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost"))) {
                throw new IllegalArgumentException("repository URL '" + text
                        + "' is not an absolute file URL: use file:///absolute/path (three slashes) or a plain path");
            }
            if (uri.getQuery() != null || uri.getFragment() != null) {
                throw new IllegalArgumentException("repository URL '" + text + "' has a query or fragment; file URLs take none");
            }
            return new Local(Path.of(uri.getPath()));
        }
    }

    /**
     * A repository in an S3-compatible bucket under prefix ("" for the bucket's root). endpoint is
     * null for AWS itself; region is null when neither the URL nor the environment gave one (the
     * AWS SDK's region chain decides then); accessKey is null to use the AWS credential chain.
     */
    record S3(String bucket, String prefix, URI endpoint, String region, boolean pathStyle, Sse sse,
              AccessKey accessKey) implements RepositoryUrl {

        public S3 {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(prefix, "prefix");
            if (!UrlParsing.BUCKET.matcher(bucket).matches()) {
                throw new IllegalArgumentException("bucket name '" + bucket
                        + "' is not valid: use 3-63 letters, digits, '.', '-' or '_'");
            }
            if (!prefix.isEmpty()) {
                StorageKeys.requireKey(prefix);
            }
        }

        @Override
        public Storage open() {
            return S3Storage.open(this);
        }

        /** The same URL with an access key from configuration (null to use the AWS credential chain). */
        public S3 withAccessKey(AccessKey key) {
            return new S3(bucket, prefix, endpoint, region, pathStyle, sse, key);
        }

        /** Canonical, with every setting that differs from the defaults, and no secret. */
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("s3://").append(bucket);
            if (!prefix.isEmpty()) {
                s.append('/').append(prefix);
            }
            Map<String, String> options = new LinkedHashMap<>();
            if (endpoint != null) {
                options.put("endpoint", endpoint.toString());
            }
            if (region != null) {
                options.put("region", region);
            }
            if (pathStyle != (endpoint != null)) {
                options.put("path-style", Boolean.toString(pathStyle));
            }
            if (sse != null) {
                options.put("sse", sse.header());
            }
            char sep = '?';
            for (Map.Entry<String, String> o : options.entrySet()) {
                s.append(sep).append(o.getKey()).append('=').append(o.getValue());
                sep = '&';
            }
            return s.toString();
        }

        static S3 parse(String text, Map<String, String> env) {
            String rest = text.substring("s3://".length());
            int q = rest.indexOf('?');
            String query = q < 0 ? "" : rest.substring(q + 1);
            String path = q < 0 ? rest : rest.substring(0, q);
            int slash = path.indexOf('/');
            String bucket = slash < 0 ? path : path.substring(0, slash);
            String prefix = slash < 0 ? "" : path.substring(slash + 1).replaceAll("/+$", "");
            if (bucket.isEmpty()) {
                throw new IllegalArgumentException("repository URL '" + text + "' names no bucket: use s3://bucket/prefix");
            }
            if (prefix.startsWith("/") || prefix.contains("//")) {
                throw new IllegalArgumentException("repository URL '" + text + "' has an empty path segment ('//')");
            }
            Map<String, String> options = UrlParsing.query(text, query);

            URI endpoint = UrlParsing.endpoint(options.containsKey("endpoint") ? options.get("endpoint")
                    : UrlParsing.env(env, "REDBACK_S3_ENDPOINT"), text);
            String region = options.containsKey("region") ? options.get("region")
                    : UrlParsing.firstEnv(env, "AWS_REGION", "AWS_DEFAULT_REGION");
            if (region == null && endpoint != null) {
                region = "us-east-1"; // what MinIO, Ceph and S3Proxy expect unless configured otherwise
            }
            if (region != null && !UrlParsing.REGION.matcher(region).matches()) {
                throw new IllegalArgumentException("region '" + region + "' is not valid: use a name like us-east-1");
            }
            // Custom endpoints (MinIO, Ceph, S3Proxy, a host:port) rarely resolve bucket.host names.
            boolean pathStyle = options.containsKey("path-style") ? UrlParsing.bool("path-style", options.get("path-style"))
                    : endpoint != null;
            Sse sse = options.containsKey("sse") ? Sse.parse(options.get("sse")) : null;
            return new S3(bucket, prefix, endpoint, region, pathStyle, sse, AccessKey.fromEnv(env));
        }
    }

    /** Server-side encryption asked of the object store for every object written. */
    enum Sse {
        /** Keys managed by S3 (SSE-S3). */
        AES256("AES256"),
        /** The account's AWS KMS key for S3 (SSE-KMS). */
        KMS("aws:kms");

        private final String header;

        Sse(String header) {
            this.header = header;
        }

        /** The value of the {@code x-amz-server-side-encryption} header. */
        public String header() {
            return header;
        }

        static Sse parse(String value) {
            for (Sse s : values()) {
                if (s.header.equalsIgnoreCase(value)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("sse '" + value + "' is not known: use sse=AES256 or sse=aws:kms");
        }
    }

    /** An explicit S3 access key; its toString never shows the secret or the session token. */
    record AccessKey(String id, String secret, String sessionToken) {
        public AccessKey {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(secret, "secret");
        }

        @Override
        public String toString() {
            return "AccessKey[id=" + id + ", secret=***" + (sessionToken == null ? "" : ", sessionToken=***") + "]";
        }

        static AccessKey fromEnv(Map<String, String> env) {
            String id = UrlParsing.env(env, "AWS_ACCESS_KEY_ID");
            String secret = UrlParsing.env(env, "AWS_SECRET_ACCESS_KEY");
            if (id == null && secret == null) {
                return null;
            }
            if (id == null || secret == null) {
                throw new IllegalArgumentException((id == null ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")
                        + " is set but " + (id == null ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")
                        + " is not: set both, or neither to use the AWS credential chain (profile, instance role)");
            }
            return new AccessKey(id, secret, UrlParsing.env(env, "AWS_SESSION_TOKEN"));
        }
    }
}
