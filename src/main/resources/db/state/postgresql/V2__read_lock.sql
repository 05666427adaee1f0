-- The read locks of the files in an inbox folder several instances share (ReadLockTable, the file drop's clustered
-- read lock): a row while one instance reads a file, refreshed by it every inbox.lock-keep-alive, deleted once the
-- file is moved (or left for a later read); a row older than inbox.lock-max-age was left by an instance that died.
-- The columns are those camel-sql's JDBC idempotent repositories query; messageId holds the file's name.
CREATE TABLE read_lock (processorName VARCHAR(255) NOT NULL, messageId VARCHAR(1000) NOT NULL,
    createdAt TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (processorName, messageId));
