// A Neo4j 5.26 Community server for kg's tests, run in this JVM: Bolt on 127.0.0.1 (a free port
// unless one is given), authentication on, small memory. Started by tests/neo4j_server.py as
//
//   java -cp <the classpath Maven resolves from pom.xml> Neo4jTestServer.java HOME PASSWORD [PORT]
//
// (Java's source-file mode: no build step). HOME is a fresh folder (the databases go in it). When
// Bolt answers it prints one line, `bolt://127.0.0.1:PORT`, on standard output, then runs until
// its standard input closes (the parent ended, normally or not), and shuts the database down.
//
//   java -cp <classpath> Neo4jTestServer.java admin ARGS...
//
// runs neo4j-admin (e.g. `database import full ...`) with NEO4J_HOME/NEO4J_CONF from the environment.
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

public class Neo4jTestServer {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("admin")) {
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            org.neo4j.cli.AdminTool.main(rest);   // exits with the tool's status
            return;
        }
        if (args.length < 2) {
            System.err.println("usage: Neo4jTestServer HOME PASSWORD [PORT] | admin ARGS...");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String password = args[1];
        String port = args.length > 2 ? args[2] : "0";
        Files.createDirectories(home);
        Map<String, String> conf = new java.util.LinkedHashMap<>();
        conf.put("server.bolt.enabled", "true");
        conf.put("server.bolt.listen_address", "127.0.0.1:" + port);
        conf.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        conf.put("server.bolt.tls_level", "DISABLED");
        conf.put("dbms.security.auth_enabled", "true");
        conf.put("server.memory.pagecache.size", System.getProperty("kg.pagecache", "128m"));
        conf.put("dbms.memory.transaction.total.max", "0");
        conf.put("db.tx_log.rotation.retention_policy", "2 files");
        conf.put("dbms.usage_report.enabled", "false");
        conf.put("server.directories.logs", home.resolve("logs").toString());
        StringBuilder text = new StringBuilder();
        conf.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path confFile = home.resolve("conf").resolve("neo4j.conf");
        Files.createDirectories(confFile.getParent());
        Files.writeString(confFile, text.toString());
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(confFile).build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
        // Auth on: the initial user is neo4j/neo4j with a change required; set the password.
        dbms.database("system").executeTransactionally(
            "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database("neo4j");
        int bolt = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class)
                     .getLocalAddress(ConnectorType.BOLT).getPort();
        System.out.println("bolt://127.0.0.1:" + bolt);
        System.out.flush();
        InputStream in = System.in;
        byte[] buf = new byte[256];
        while (in.read(buf) >= 0) { }    // until the parent closes our standard input
        System.exit(0);                  // the shutdown hook stops the database
    }
}
