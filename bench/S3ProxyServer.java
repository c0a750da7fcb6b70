import java.net.URI;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.slf4j.LoggerFactory;

/**
 * An S3 API server for the benchmarks, the same S3Proxy the tests start in-process: in memory,
 * SigV4 with fixed test credentials, on 127.0.0.1 only. Run as a single-file program on the test
 * classpath: {@code java -cp CP bench/S3ProxyServer.java PORT BUCKET}; prints "ready" once the
 * bucket exists and serves until killed.
 */
public final class S3ProxyServer {
    public static void main(String[] args) throws Exception {
        // Jetty logs every request at DEBUG by default; the benchmark must not pay for that.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        int port = Integer.parseInt(args[0]);
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials("redback-bench", "redback-bench-secret")
                .build(BlobStoreContext.class);
        context.getBlobStore().createContainerInLocation(null, args[1]);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "redback-bench", "redback-bench-secret")
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
        System.out.println("ready");
        Thread.currentThread().join();
    }
}
