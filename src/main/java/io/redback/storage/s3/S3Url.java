package io.redback.storage.s3;

import io.redback.storage.RepositoryUrl;
import io.redback.storage.Retry;
import io.redback.storage.Storage;
import io.redback.storage.StorageKeys;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A repository in an S3-compatible bucket under prefix ("" for the bucket's root), from
 * {@code s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path-style=true&sse=AES256}.
 * The environment (passed in, never read statically) fills what the URL leaves out:
 * {@code REDBACK_S3_ENDPOINT}, {@code AWS_REGION} (or {@code AWS_DEFAULT_REGION}) and the access
 * key {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} (/ {@code AWS_SESSION_TOKEN}).
 * endpoint is null for AWS itself; region is null when neither the URL nor the environment gave
 * one (the AWS SDK's region chain decides then); accessKey is null to use the AWS credential
 * chain (profile, instance role).
 */
public record S3Url(String bucket, String prefix, URI endpoint, String region, boolean pathStyle, Sse sse,
                    AccessKey accessKey) implements RepositoryUrl {

    public S3Url {
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
    public Storage openBackend(Retry retry) {
        return S3Storage.open(this, retry);
    }

    /** The same URL with an access key from configuration (null to use the AWS credential chain). */
    public S3Url withAccessKey(AccessKey key) {
        return new S3Url(bucket, prefix, endpoint, region, pathStyle, sse, key);
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

    static S3Url parse(String text, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
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
        return new S3Url(bucket, prefix, endpoint, region, pathStyle, sse, AccessKey.fromEnv(env));
    }

    /** Server-side encryption asked of the object store for every object written. */
    public enum Sse {
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
    public record AccessKey(String id, String secret, String sessionToken) {
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
