-- The demo's sensors from Kafka through RNN_INFER, predictions back to Kafka.
--
--   java -jar jobs/target/flink-rnn.jar produce --bootstrap-servers localhost:29092 --topic sensor-events &
--   java -jar jobs/target/flink-rnn.jar sql -f examples/sensors.sql
--
-- `flink-rnn sql` fills ${name:-default} from --var name=value (e.g. --var bootstrap=broker:9092);
-- the SQL Client and SQL Gateway do not: there, write the values in.

-- Each sensor's recurrent state is Flink state: checkpoint it (and the Kafka offsets) every 10 s.
SET 'execution.checkpointing.interval' = '${checkpoint_interval:-10 s}';

CREATE TABLE sensor_events (
    `key` STRING,
    ts BIGINT,
    x ARRAY<FLOAT>
) WITH (
    'connector' = 'kafka',
    'topic' = '${events_topic:-sensor-events}',
    'properties.bootstrap.servers' = '${bootstrap:-localhost:29092}',
    'properties.group.id' = 'flink-rnn-sql',
    'scan.startup.mode' = 'earliest-offset',
    -- 'latest-offset' ends the job once it has read what the topic held when it started.
    'scan.bounded.mode' = '${bounded:-unbounded}',
    'format' = 'json'
);

CREATE TABLE sensor_predictions (
    `key` STRING,
    y ARRAY<FLOAT>,
    model_version STRING
) WITH (
    'connector' = 'kafka',
    'topic' = '${predictions_topic:-sensor-predictions}',
    'properties.bootstrap.servers' = '${bootstrap:-localhost:29092}',
    'format' = 'json'
);

-- Each sensor is one row of the stateful LSTM; its states live in Flink state, keyed by `key`.
-- The producer keys records by sensor, so each sensor's readings arrive in order.
INSERT INTO sensor_predictions
SELECT `key`, y, model_version
FROM RNN_INFER(
    input => TABLE sensor_events PARTITION BY `key`,
    model => '${model:-jobs/src/main/resources/io/flinkrnn/jobs/demo/sensor-forecaster.keras}',
    features => DESCRIPTOR(x),
    uid => 'sensor-rnn');
