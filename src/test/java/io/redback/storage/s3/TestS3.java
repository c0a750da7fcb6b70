package io.redback.storage.s3;

import io.redback.storage.RepositoryUrl;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API server for tests: S3Proxy on 127.0.0.1 and a free port, backed by jclouds'
 * in-memory "transient" blob store, with SigV4 authentication. Close it to stop it.
 */
public final class TestS3 implements AutoCloseable {
    public static final String ACCESS_KEY = "redback-test";
    public static final String SECRET_KEY = "redback-test-secret";

    private final BlobStoreContext context;
    private S3Proxy proxy;
    private final URI endpoint;

    private TestS3(BlobStoreContext context, S3Proxy proxy, URI endpoint) {
        this.context = context;
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    public static TestS3 start() throws Exception {
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .build(BlobStoreContext.class);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        S3Proxy proxy = launch(context, endpoint);
        return new TestS3(context, proxy, endpoint);
    }

    private static S3Proxy launch(BlobStoreContext context, URI endpoint) throws Exception {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                // S3Proxy does not implement server-side encryption; let it accept the header.
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                context.close();
                throw new IllegalStateException("S3Proxy did not start within 10 s (state " + proxy.getState() + ")");
            }
            Thread.sleep(10);
        }
        return proxy;
    }

    /** Stops answering (an outage); the stored objects stay for {@link #resume()}. */
    public synchronized void pause() throws Exception {
        proxy.stop();
    }

    /** Answers again on the same endpoint with the same objects. */
    public synchronized void resume() throws Exception {
        proxy = launch(context, endpoint);
    }

    public URI endpoint() {
        return endpoint;
    }

    public void createBucket(String name) {
        context.getBlobStore().createContainerInLocation(null, name);
    }

    /** The environment a user would set for this server. */
    public Map<String, String> env() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    }

    /** The repository URL of bucket/prefix on this server, as a user would type it. */
    public S3Url url(String bucket, String prefix) {
        return (S3Url) RepositoryUrl.parse("s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint, env());
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop: " + e.getMessage(), e);
        } finally {
            context.close();
        }
    }
}
