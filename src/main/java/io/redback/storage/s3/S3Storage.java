package io.redback.storage.s3;

import io.redback.storage.Retry;
import io.redback.storage.Storage;
import io.redback.storage.StorageKeys;
import io.redback.storage.TransientStorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * The {@code s3://bucket/prefix} backend for AWS S3 and S3-compatible stores (MinIO, Ceph,
 * Garage, S3Proxy). Keys live under the prefix. A put of known length up to one part (16 MiB)
 * is a single PutObject; anything bigger or of unknown length is a multipart upload that holds
 * one part in memory at a time and is aborted on failure, so a backup streams to the bucket
 * without knowing its size and without a local copy. The object appears only when the upload
 * completes, which is what makes a put atomic. The SDK does not retry: a failure worth another
 * try (a broken connection, HTTP 5xx, throttling) is a {@link TransientStorageException}, which
 * {@link io.redback.storage.RetryingStorage} tries again; the requests of a put, whose bytes only
 * this class holds, are repeated here under the same {@link Retry}. What still fails is reported
 * once, saying what to check.
 */
public final class S3Storage implements Storage {
    /** Size of each multipart part, and the largest object sent in one PutObject. */
    static final int PART_SIZE = 16 << 20;
    /** S3's limit on parts in one upload: 16 MiB parts allow objects up to 156 GiB. */
    static final int MAX_PARTS = 10_000;

    private final S3Url url;
    private final S3Client client;
    private final String bucket;
    private final String keyPrefix;
    private final String endpoint;
    private final ServerSideEncryption sse;
    private final Retry retry;
    private volatile boolean bucketSeen;

    private S3Storage(S3Url url, S3Client client, Retry retry) {
        this.url = url;
        this.retry = retry;
        this.client = client;
        this.bucket = url.bucket();
        this.keyPrefix = url.prefix().isEmpty() ? "" : url.prefix() + "/";
        this.endpoint = url.endpoint() != null ? url.endpoint().toString() : "AWS S3";
        this.sse = url.sse() == null ? null : ServerSideEncryption.fromValue(url.sse().header());
    }

    /**
     * A storage for url; the caller closes it. Makes no request until used. retry repeats a put's
     * requests; everything else is left to a {@link io.redback.storage.RetryingStorage} around it.
     */
    static S3Storage open(S3Url url, Retry retry) {
        return open(url, List.of(), retry);
    }

    /** For tests: interceptors see every request. */
    static S3Storage open(S3Url url, List<ExecutionInterceptor> interceptors, Retry retry) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .credentialsProvider(credentials(url.accessKey()))
                .forcePathStyle(url.pathStyle())
                .overrideConfiguration(c -> {
                    // Retries are io.redback.storage.Retry's, one policy for every backend.
                    c.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                            .maxAttempts(1)
                            .circuitBreakerEnabled(false)
                            .build());
                    interceptors.forEach(c::addExecutionInterceptor);
                });
        if (url.endpoint() != null) {
            builder.endpointOverride(url.endpoint()).region(Region.of(url.region() == null ? "us-east-1" : url.region()));
        } else {
            // Without a region the bucket's own is found by following S3's redirect.
            builder.region(Region.of(url.region() == null ? "us-east-1" : url.region()))
                    .crossRegionAccessEnabled(url.region() == null);
        }
        return new S3Storage(url, builder.build(), retry);
    }

    private static AwsCredentialsProvider credentials(S3Url.AccessKey key) {
        if (key == null) {
            return DefaultCredentialsProvider.create();
        }
        return StaticCredentialsProvider.create(key.sessionToken() == null
                ? AwsBasicCredentials.create(key.id(), key.secret())
                : AwsSessionCredentials.create(key.id(), key.secret(), key.sessionToken()));
    }

    @Override
    public void put(String key, InputStream data, long length) throws IOException {
        String object = objectKey(key);
        if (length >= 0 && length <= PART_SIZE) {
            PartBuffer part = new PartBuffer((int) length);
            part.fill(data, (int) length);
            checkLength(key, length, part.size(), data);
            putObject(key, object, part);
            return;
        }
        if (length > (long) MAX_PARTS * PART_SIZE) {
            throw tooBig(key);
        }
        PartBuffer part = new PartBuffer(length < 0 ? 0 : PART_SIZE);
        if (part.fill(data, PART_SIZE) < PART_SIZE) {
            checkLength(key, length, part.size(), data);
            putObject(key, object, part);
            return;
        }
        multipart(key, object, part, data, length);
    }

    private void putObject(String key, String object, PartBuffer part) throws IOException {
        send("write", key, () -> client.putObject(b -> b.bucket(bucket).key(object).contentLength((long) part.size())
                .serverSideEncryption(sse), part.body()));
    }

    private void multipart(String key, String object, PartBuffer part, InputStream data, long length)
            throws IOException {
        String uploadId = send("start an upload of", key, () -> client.createMultipartUpload(b -> b.bucket(bucket)
                .key(object).serverSideEncryption(sse)).uploadId());
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long total = 0;
            int size = part.size();
            while (size > 0) {
                int number = parts.size() + 1;
                if (number > MAX_PARTS) {
                    throw tooBig(key);
                }
                UploadPartRequest request = UploadPartRequest.builder().bucket(bucket).key(object)
                        .uploadId(uploadId).partNumber(number).contentLength((long) size).build();
                String etag = send("upload part " + number + " of", key, () -> client.uploadPart(request, part.body()).eTag());
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                total += size;
                size = size < PART_SIZE ? 0 : part.fill(data, PART_SIZE);
            }
            checkLength(key, length, total, data);
            send("complete the upload of", key, () -> client.completeMultipartUpload(b -> b.bucket(bucket).key(object)
                    .uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
        } catch (IOException | RuntimeException | Error e) {
            abort(key, object, uploadId, e);
            throw e;
        }
    }

    /** Aborts an upload so that its parts stop costing storage; a failure here only adds to the first. */
    private void abort(String key, String object, String uploadId, Throwable cause) {
        // An interrupted thread would fail the abort too and leave the parts behind: clear the flag for it.
        boolean interrupted = Thread.interrupted();
        try {
            send("abort the upload of", key, () -> client.abortMultipartUpload(b -> b.bucket(bucket).key(object)
                    .uploadId(uploadId)));
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static IOException tooBig(String key) {
        return new IOException(key + " is larger than " + (long) MAX_PARTS * PART_SIZE + " bytes, the most one S3 upload of "
                + MAX_PARTS + " parts of " + PART_SIZE + " bytes can hold");
    }

    private static void checkLength(String key, long length, long total, InputStream data) throws IOException {
        if (length >= 0 && (total < length || data.read() >= 0)) {
            throw new IOException("the data for " + key + " was announced as " + length + " bytes but "
                    + (total < length ? "ended after " + total : "has more"));
        }
    }

    @Override
    public InputStream get(String key) throws IOException {
        String object = objectKey(key);
        return call("read", key, () -> client.getObject(b -> b.bucket(bucket).key(object)));
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range " + offset + "+" + length + " for " + key);
        }
        String object = objectKey(key);
        if (length == 0) {
            if (stat(key).isEmpty()) {
                throw missing(key);
            }
            return InputStream.nullInputStream();
        }
        long last = offset + length - 1;
        String range = "bytes=" + offset + "-" + (last < offset ? "" : Long.toString(last));
        try {
            return call("read", key, () -> client.getObject(b -> b.bucket(bucket).key(object).range(range)));
        } catch (RangeNotSatisfiable e) {
            return InputStream.nullInputStream(); // the object exists and ends before offset
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        String object = objectKey(key);
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(object));
            bucketSeen = true;
            return Optional.of(new ObjectInfo(key, head.contentLength(), head.lastModified()));
        } catch (SdkException e) {
            if (isNotFound(e)) {
                // A HEAD answer has no body to tell a missing key from a missing bucket.
                requireBucket();
                return Optional.empty();
            }
            throw failure("stat", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        StorageKeys.requirePrefix(prefix);
        List<ObjectInfo> found = new ArrayList<>();
        call("list", prefix.isEmpty() ? "all keys" : prefix + "*", () -> {
            for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(keyPrefix + prefix)).contents()) {
                String key = o.key().substring(keyPrefix.length());
                if (isObjectKey(key)) {
                    found.add(new ObjectInfo(key, o.size(), o.lastModified()));
                }
            }
            return null;
        });
        bucketSeen = true;
        found.sort(Comparator.comparing(ObjectInfo::key));
        return found;
    }

    @Override
    public void delete(String key) throws IOException {
        String object = objectKey(key);
        call("delete", key, () -> client.deleteObject(b -> b.bucket(bucket).key(object)));
    }

    @Override
    public String describe() {
        return url.toString();
    }

    @Override
    public void close() {
        client.close();
    }

    private String objectKey(String key) {
        return keyPrefix + StorageKeys.requireKey(key);
    }

    /** Keys written by other tools (folder markers ending in '/', "a//b") are not ours to list. */
    private static boolean isObjectKey(String key) {
        try {
            StorageKeys.requireKey(key);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Throws the missing-bucket error if the bucket is not there (asked once per storage). */
    private void requireBucket() throws IOException {
        if (!bucketSeen) {
            try {
                client.listObjectsV2(b -> b.bucket(bucket).prefix(keyPrefix).maxKeys(1));
                bucketSeen = true;
            } catch (SdkException e) {
                throw failure("list", "the bucket", e);
            }
        }
    }

    /** One request of a put, repeated under retry: its body (a {@link PartBuffer}) can be sent again. */
    private <T> T send(String action, String key, Supplier<T> request) throws IOException {
        return retry.call(() -> call(action, key, request));
    }

    private <T> T call(String action, String key, Supplier<T> request) throws IOException {
        try {
            T result = request.get();
            bucketSeen = true;
            return result;
        } catch (SdkException e) {
            IOException failure = failure(action, key, e);
            if (e instanceof SdkClientException && !bucketSeen) {
                // Some stores answer a write into a missing bucket and hang up before the body is
                // sent, which the client sees as a broken connection: ask about the bucket once.
                try {
                    requireBucket();
                } catch (MissingBucket missing) {
                    missing.addSuppressed(failure);
                    throw missing;
                } catch (IOException ignored) {
                    // The bucket question failed too; the first error says more.
                }
            }
            throw failure;
        }
    }

    private static boolean isNotFound(SdkException e) {
        return e instanceof NoSuchKeyException || (e instanceof S3Exception s && s.statusCode() == 404
                && !(e instanceof NoSuchBucketException) && !"NoSuchBucket".equals(errorCode(s)));
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private NoSuchFileException missing(String key) {
        return new NoSuchFileException(key, null, "no such object in " + describe());
    }

    /**
     * The one error to report for a failed request: a {@link TransientStorageException} when
     * sending it again may work (a broken connection, HTTP 5xx, throttling), whose message says
     * how many tries were made.
     */
    private IOException failure(String action, String key, SdkException e) {
        if (e instanceof S3Exception s) {
            String code = errorCode(s);
            if (e instanceof NoSuchBucketException || "NoSuchBucket".equals(code)) {
                return new MissingBucket("bucket '" + bucket + "' does not exist at " + endpoint
                        + ": create it or fix the repository URL", e);
            }
            if (isNotFound(e)) {
                return missing(key);
            }
            if (s.statusCode() == 416) {
                return new RangeNotSatisfiable(e);
            }
            if ("InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
                return new IOException("the S3 credentials were refused by " + endpoint + " (" + code
                        + "): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the AWS profile)", e);
            }
            if (s.statusCode() == 403) {
                return new IOException("access denied: cannot " + action + " " + key + " in " + describe()
                        + ": check the credentials and that the bucket policy allows s3:GetObject, s3:PutObject, "
                        + "s3:DeleteObject and s3:ListBucket on it", e);
            }
            String message = "cannot " + action + " " + key + " in " + describe() + ": "
                    + (code == null ? "" : code + ": ") + messageOf(s) + " (HTTP " + s.statusCode()
                    + (s.requestId() == null ? "" : ", request id " + s.requestId()) + ")";
            return isTransient(e) ? new TransientStorageException(tries -> message, e) : new IOException(message, e);
        }
        if (e instanceof SdkClientException) {
            String before = "cannot " + action + " " + key + " in " + describe() + ": " + endpoint + " failed after ";
            String after = " tries at most (" + e.getMessage() + "): check the endpoint, the network and that the store is up";
            return isTransient(e) ? new TransientStorageException(tries -> before + tries + after, e)
                    : new IOException(before + retry.attempts() + after, e);
        }
        return new IOException("cannot " + action + " " + key + " in " + describe() + ": " + e.getMessage(), e);
    }

    /** What the SDK's standard strategy would retry: I/O failures, HTTP 5xx, throttling, clock skew; never an interrupt. */
    private static boolean isTransient(SdkException e) {
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
            return false;
        }
        if (RetryUtils.isRetryableException(e) || RetryUtils.isThrottlingException(e) || RetryUtils.isClockSkewException(e)) {
            return true;
        }
        if (e instanceof S3Exception s) {
            int status = s.statusCode();
            return status == 500 || status == 502 || status == 503 || status == 504;
        }
        // As the SDK's own strategy: the direct cause only (a credentials chain that failed on I/O is not transient).
        Throwable c = e.getCause();
        return c instanceof IOException || c instanceof UncheckedIOException;
    }

    private static String messageOf(S3Exception e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                ? e.awsErrorDetails().errorMessage() : e.getMessage();
    }

    /** The bucket named by the repository URL does not exist. */
    private static final class MissingBucket extends IOException {
        private static final long serialVersionUID = 1L;

        MissingBucket(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** S3's answer to a range that starts at or after the end of the object. */
    private static final class RangeNotSatisfiable extends IOException {
        private static final long serialVersionUID = 1L;

        RangeNotSatisfiable(Throwable cause) {
            super("the range starts after the end of the object", cause);
        }
    }
}
