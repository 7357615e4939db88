-- The `transactions` table exactly as the specification creates it (database name omitted).
CREATE TABLE transactions (
    transaction_id CHAR(36) NOT NULL,
    username VARCHAR(50) NOT NULL,
    file_name VARCHAR(255) NOT NULL,
    file_size BIGINT NOT NULL,
    ingress_server VARCHAR(100) NOT NULL,
    ingress_time DATETIME(3) NOT NULL,
    egress_server VARCHAR(100),
    egress_time DATETIME(3),
    status ENUM('BAD_REQUEST', 'SUBMITTED', 'COMPLETE', 'TIMEOUT', 'EP_UNAVAILABLE', 'CD_UNAVAILABLE') NOT NULL,
    PRIMARY KEY (transaction_id),
    INDEX idx_username (username),
    INDEX idx_status (status),
    INDEX idx_ingress_time (ingress_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
