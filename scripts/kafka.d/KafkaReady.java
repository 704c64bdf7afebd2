import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Readiness check for scripts/kafka, in one JVM because each JVM start costs seconds on a busy 2-core box.
 * Waits until the broker answers on PLAINTEXT and on SASL_SSL with both PLAIN and SCRAM-SHA-512 (so the certificate,
 * ca.pem and every credential in connection.json are proven), creates the missing topics and waits until each
 * partition has a leader, so clients started right after `scripts/kafka start` never see LEADER_NOT_AVAILABLE.
 *
 * Usage: KafkaReady <connection.json> <broker pid> <timeout s> <topic:partitions>...   Exit 0 ready, 1 not.
 */
public class KafkaReady {
    private static long deadline;
    private static long brokerPid;

    public static void main(String[] args) throws Exception {
        JsonNode conn = new ObjectMapper().readTree(new File(args[0]));
        brokerPid = Long.parseLong(args[1]);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] t = args[i].split(":");
            wanted.put(t[0], Integer.parseInt(t[1]));
        }

        Properties plaintext = base(conn.get("plaintext").asText());
        await("PLAINTEXT " + conn.get("plaintext").asText(), plaintext);
        await("SASL_SSL PLAIN", sasl(conn, "plain"));
        await("SASL_SSL SCRAM-SHA-512", sasl(conn, "scram"));
        ensureTopics(plaintext, wanted);
    }

    private static Properties base(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("request.timeout.ms", "2500");
        p.put("default.api.timeout.ms", "3000");
        p.put("reconnect.backoff.ms", "100");
        p.put("reconnect.backoff.max.ms", "500");
        return p;
    }

    private static Properties sasl(JsonNode conn, String which) {
        JsonNode cred = conn.get(which);
        String mechanism = cred.get("mechanism").asText();
        String module = mechanism.equals("PLAIN")
            ? "org.apache.kafka.common.security.plain.PlainLoginModule"
            : "org.apache.kafka.common.security.scram.ScramLoginModule";
        Properties p = base(conn.get("saslSsl").asText());
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.jaas.config", module + " required username=\"" + cred.get("username").asText()
            + "\" password=\"" + cred.get("password").asText() + "\";");
        // The same PEM file librdkafka gets as ssl.ca.location; hostname verification (https) stays on.
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", conn.get("caFile").asText());
        return p;
    }

    /** A fresh Admin per attempt: a client that never reached its bootstrap server is not worth nursing. */
    private static void await(String what, Properties props) throws InterruptedException {
        String last = "no attempt";
        while (true) {
            checkAlive();
            try (Admin admin = Admin.create(props)) {
                admin.listTopics().names().get(3, TimeUnit.SECONDS);
                System.out.println("  ok: " + what);
                return;
            } catch (Exception e) {
                Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                last = c.getClass().getSimpleName() + ": " + c.getMessage();
            }
            if (System.nanoTime() > deadline) fail(what + " not ready in time; last error: " + last);
            Thread.sleep(300);
        }
    }

    private static void ensureTopics(Properties props, Map<String, Integer> wanted) throws Exception {
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> create = new ArrayList<>();
            wanted.forEach((name, partitions) -> {
                if (!existing.contains(name)) create.add(new NewTopic(name, partitions, (short) 1));
            });
            for (NewTopic t : create) {
                try {
                    admin.createTopics(List.of(t)).all().get();
                    System.out.println("  created topic " + t.name() + " (" + t.numPartitions() + " partitions)");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw e; // lost a race: fine
                }
            }
            while (true) {
                checkAlive();
                Map<String, TopicDescription> d;
                try {
                    d = admin.describeTopics(wanted.keySet()).allTopicNames().get();
                } catch (ExecutionException e) { // a topic just created may not have reached the broker's metadata
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
                    d = null;
                }
                boolean led = d != null && d.values().stream().allMatch(td -> td.partitions().stream()
                    .allMatch(p -> p.leader() != null && p.leader().id() >= 0));
                if (led) {
                    d.values().forEach(td -> {
                        int want = wanted.get(td.name()), have = td.partitions().size();
                        if (have != want)
                            System.out.println("  note: topic " + td.name() + " exists with " + have
                                + " partitions, not " + want + " (left as is)");
                    });
                    return;
                }
                if (System.nanoTime() > deadline) fail("topic partitions still have no leader");
                Thread.sleep(200);
            }
        }
    }

    private static void checkAlive() {
        if (!ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false))
            fail("broker process " + brokerPid + " exited");
    }

    private static void fail(String message) {
        System.err.println("kafka: " + message);
        System.exit(1);
    }
}
