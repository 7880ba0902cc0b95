package shopanalytics;

import java.lang.reflect.Method;
import java.net.InetSocketAddress;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connect.service.SparkConnectInterceptorRegistry;
import org.apache.spark.sql.connect.service.SparkConnectService;
import org.apache.spark.sql.connect.service.SparkConnectService$;
import org.sparkproject.connect.grpc.Server;
import org.sparkproject.connect.grpc.netty.NettyServerBuilder;

/**
 * Spark Connect 3.5's server on one address only.
 *
 * Spark 3.5's SparkConnectServer listens on every interface (NettyServerBuilder.forPort);
 * the platform's services bind to loopback. This does what SparkConnectServer.main does,
 * but builds the gRPC server for host:port, then registers it with SparkConnectService
 * (its foreachBatch Python workers read the port from there) and starts the Connect
 * listener as start() would.
 *
 * Arguments: host port. Every other setting comes from spark.* system properties.
 */
public final class LoopbackConnectServer {
    private static final int MAX_INBOUND_MESSAGE_BYTES = 128 * 1024 * 1024;

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: LoopbackConnectServer HOST PORT");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        SparkSession session = SparkSession.builder().getOrCreate();
        SparkContext context = session.sparkContext();

        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .addService(new SparkConnectService(false));
        SparkConnectInterceptorRegistry.chainInterceptors(builder);
        Server server = builder.build().start();
        SparkConnectService$ service = SparkConnectService$.MODULE$;
        service.server_$eq(server);
        // start() also registers the listener that tracks Connect sessions and executions.
        Method listener = SparkConnectService$.class.getDeclaredMethod("createListenerAndUI", SparkContext.class);
        listener.setAccessible(true);
        listener.invoke(service, context);

        System.out.println("Spark Connect server listening on " + server.getListenSockets());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            session.stop();
        }));
        server.awaitTermination();
    }
}
