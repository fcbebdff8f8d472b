-- Login throttling counts failures per (name, address) pair: an index for that count.
CREATE INDEX login_attempt_pair ON login_attempt (name, ip, at);
