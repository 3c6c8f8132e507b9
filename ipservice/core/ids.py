"""Service-generated ids: time-ordered UUIDs (RFC 9562 version 7).

Ids are made by the service, not the database, so that composite keys (tenant_id, id) work the same on
SQLite, PostgreSQL and a Citus cluster, and so that a row's id is known before it is flushed.
"""
import os
import time


def new_id() -> str:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | rand & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    h = f"{value:032x}"  # str(uuid.UUID(int=value)) without building the object (the bulk import makes many)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
