package io.sppo4j.cluster.node;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Lease objects of one namespace as the API server keeps them: a GET of a missing lease is
 * 404, a POST creates one (409 if it exists), a PUT replaces one only if it names the current
 * {@code resourceVersion} (else 409 Conflict, how a second contender loses), and every write
 * gets a new resourceVersion. Records each lease's holders in order.
 */
final class LeaseStore {

    /** A response: status and JSON body. */
    record Answer(int status, String body) {}

    private final String collection;
    private final Map<String, JsonObject> leases = new LinkedHashMap<>();
    private final Map<String, List<String>> holders = new LinkedHashMap<>();
    private long version;

    LeaseStore(String collection) {
        this.collection = collection;
    }

    boolean handles(String path) {
        return path.equals(collection) || path.startsWith(collection + "/");
    }

    synchronized Map<String, List<String>> holders() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        holders.forEach((name, list) -> copy.put(name, List.copyOf(list)));
        return copy;
    }

    synchronized Answer answer(String method, String path, String body) {
        String name = path.length() > collection.length() + 1 ? path.substring(collection.length() + 1) : "";
        JsonObject current = leases.get(name);
        switch (method) {
            case "GET" -> {
                return current == null ? notFound(name) : new Answer(200, current.toString());
            }
            case "POST" -> {
                JsonObject lease = JsonParser.parseString(body).getAsJsonObject();
                String created = lease.getAsJsonObject("metadata").get("name").getAsString();
                if (leases.containsKey(created)) {
                    return status(409, "AlreadyExists", "leases \"" + created + "\" already exists");
                }
                return new Answer(201, store(created, lease).toString());
            }
            case "PUT" -> {
                if (current == null) {
                    return notFound(name);
                }
                JsonObject lease = JsonParser.parseString(body).getAsJsonObject();
                String claimed = lease.getAsJsonObject("metadata").has("resourceVersion")
                        ? lease.getAsJsonObject("metadata").get("resourceVersion").getAsString() : "";
                if (!claimed.equals(current.getAsJsonObject("metadata").get("resourceVersion").getAsString())) {
                    return status(409, "Conflict", "the object has been modified; please apply your changes to the latest version");
                }
                return new Answer(200, store(name, lease).toString());
            }
            default -> {
                return status(405, "MethodNotAllowed", method + " is not supported on leases here");
            }
        }
    }

    private JsonObject store(String name, JsonObject lease) {
        lease.getAsJsonObject("metadata").addProperty("resourceVersion", Long.toString(++version));
        lease.addProperty("kind", "Lease");
        lease.addProperty("apiVersion", "coordination.k8s.io/v1");
        leases.put(name, lease);
        JsonObject spec = lease.getAsJsonObject("spec");
        String holder = spec != null && spec.has("holderIdentity") && !spec.get("holderIdentity").isJsonNull()
                ? spec.get("holderIdentity").getAsString() : "";
        List<String> history = holders.computeIfAbsent(name, n -> new ArrayList<>());
        if (history.isEmpty() || !history.get(history.size() - 1).equals(holder)) {
            history.add(holder);
        }
        return lease;
    }

    private static Answer notFound(String name) {
        return status(404, "NotFound", "leases.coordination.k8s.io \"" + name + "\" not found");
    }

    private static Answer status(int code, String reason, String message) {
        JsonObject status = new JsonObject();
        status.addProperty("kind", "Status");
        status.addProperty("apiVersion", "v1");
        status.addProperty("status", "Failure");
        status.addProperty("message", message);
        status.addProperty("reason", reason);
        status.addProperty("code", code);
        return new Answer(code, status.toString());
    }
}
