package io.redback.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that starts a redis-server, S3Proxy or a JVM of its own, or runs another program
 * many times (redis-check-aof as an oracle), or otherwise takes many seconds. Left out by {@code mvn -B test -Dgroups=fast}; the plain {@code mvn -B test}
 * runs it. See {@link Fast}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@org.junit.jupiter.api.Tag("slow")
@net.jqwik.api.Tag("slow")
public @interface Slow {
}
