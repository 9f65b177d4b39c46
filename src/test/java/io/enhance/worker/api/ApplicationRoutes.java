package io.enhance.worker.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.HttpMethod;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

/**
 * Every path the running application serves, found rather than listed, so that a route added later
 * is covered by the tests that use it: the Vert.x routes with a path (the management endpoints
 * such as {@code /q/metrics}) and the JAX-RS resources under {@code io.enhance.worker}.
 * Path parameters ({@code :id}, {@code {id}}) are replaced by a given value.
 */
@Singleton
public class ApplicationRoutes {

    private static final String ROOT_PACKAGE = "io/enhance/worker";

    private volatile Router router;

    void remember(@Observes Router router) {
        this.router = router;
    }

    /** The served paths, each parameter replaced by {@code parameter}. */
    public SortedSet<String> paths(String parameter) {
        SortedSet<String> paths = new TreeSet<>();
        routerPaths(router, "", parameter, paths);
        resourceClasses().forEach(resource -> resourcePaths(resource, parameter, paths));
        return Collections.unmodifiableSortedSet(paths);
    }

    /** The routes' paths, those of mounted routers (such as the one under {@code /q/}) included. */
    private static void routerPaths(Router router, String prefix, String parameter, SortedSet<String> paths) {
        for (Route route : router.getRoutes()) {
            if (route.getPath() == null) {
                continue;
            }
            String path = prefix + route.getPath().replaceAll(":[^/]+", parameter);
            if (route.getSubRouter() != null) {
                routerPaths(route.getSubRouter(), path.replaceAll("/$", ""), parameter, paths);
            } else {
                paths.add(path);
            }
        }
    }

    private static void resourcePaths(Class<?> resource, String parameter, SortedSet<String> paths) {
        String base = resource.getAnnotation(jakarta.ws.rs.Path.class).value();
        for (Method method : resource.getDeclaredMethods()) {
            if (Stream.of(method.getAnnotations()).noneMatch(a -> a.annotationType().isAnnotationPresent(HttpMethod.class))) {
                continue;
            }
            jakarta.ws.rs.Path sub = method.getAnnotation(jakarta.ws.rs.Path.class);
            String path = sub == null ? base : base.replaceAll("/$", "") + "/" + sub.value().replaceAll("^/", "");
            paths.add(path.replaceAll("\\{[^}]*}", parameter));
        }
    }

    /** Classes annotated {@code @Path} in every classpath folder holding the package (main and test classes). */
    private static Stream<Class<?>> resourceClasses() {
        try {
            return Collections.list(Thread.currentThread().getContextClassLoader().getResources(ROOT_PACKAGE)).stream()
                    .filter(folder -> folder.getProtocol().equals("file"))
                    .flatMap(ApplicationRoutes::classNames)
                    .map(ApplicationRoutes::load)
                    // served resources only, not REST client interfaces
                    .filter(type -> !type.isInterface() && type.isAnnotationPresent(jakarta.ws.rs.Path.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<String> classNames(URL folder) {
        try {
            Path packageFolder = Path.of(folder.toURI());
            Path classes = packageFolder.getParent().getParent().getParent();
            try (Stream<Path> files = Files.walk(packageFolder)) {
                return files.filter(file -> file.toString().endsWith(".class"))
                        .map(file -> classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", ""))
                        .toList().stream();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
