"""``fetch_sftp``: one feed file from an SFTP server (asyncssh), as dealers' DMS exports arrive.

The host goes through the same address check as HTTPS (:mod:`.addresses`) and the connection
is made to the checked address. The server's host key must be pinned (``known_host_key``, one
OpenSSH public key line, as ``ssh-keyscan`` prints it): a server that shows another key is
refused, and an unpinned source is refused rather than trusted on first use, because an import
replaces a rooftop's prices and a man in the middle could write them. Nothing of the worker's
own SSH setup is used (no ``~/.ssh/config``, keys or agent). The file's size is checked before
and while reading; the whole fetch runs under one deadline. Celery tasks are synchronous, so
the function runs its own event loop.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import cast

with warnings.catch_warnings():
    # asyncssh still defines DSA key classes, which cryptography deprecates at import; como
    # never uses DSA, and the warning would print in every process that imports the fetchers.
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

from .addresses import resolve
from .base import FetchFailed, FetchRefused

CHUNK = 256 * 1024


def fetch_sftp(
    *,
    host: str,
    port: int,
    username: str,
    password: str | None,
    private_key: str | None,
    known_host_key: str | None,
    path: str,
    max_bytes: int,
    timeout: float,
) -> bytes:
    """The file at ``path``. FetchRefused for policy (address, host key, size, authentication
    refused); FetchFailed for network trouble, the deadline or a missing file."""
    where = f"sftp://{host}:{port}{path if path.startswith('/') else '/' + path}"
    if not known_host_key:
        raise FetchRefused(
            f"{where}: pin the server's host key first (a line of `ssh-keyscan -p {port} {host}`)."
        )
    try:
        server_key = asyncssh.import_public_key(known_host_key)
        client_keys = [asyncssh.import_private_key(private_key)] if private_key else None
    except (asyncssh.KeyImportError, ValueError, TypeError) as error:
        raise FetchRefused(f"{where}: a key could not be read ({error}).") from None
    try:
        options = asyncssh.SSHClientConnectionOptions(
            username=username,
            password=password or None,
            client_keys=client_keys,
            known_hosts=([server_key], [], []),
            agent_path=None,
            config=None,
            connect_timeout=timeout,
        )
    except ValueError as error:  # SASLprep refuses NUL and control characters in the user name
        raise FetchRefused(
            f"{where}: the user name or password cannot be sent ({error})."
        ) from None
    try:
        return asyncio.run(_fetch(host, port, path, options, max_bytes, timeout, where))
    except TimeoutError:
        raise FetchFailed(f"{where} took longer than {timeout:g} s.") from None


async def _fetch(
    host: str,
    port: int,
    path: str,
    options: asyncssh.SSHClientConnectionOptions,
    max_bytes: int,
    timeout: float,
    where: str,
) -> bytes:
    async with asyncio.timeout(timeout):
        address = await resolve(host, port)
        try:
            async with (
                asyncssh.connect(str(address), port, options=options) as connection,
                connection.start_sftp_client() as sftp,
            ):
                return await _read(sftp, path, max_bytes, where)
        except asyncssh.HostKeyNotVerifiable:
            raise FetchRefused(f"{where}: the server's host key is not the pinned one.") from None
        except asyncssh.PermissionDenied:
            raise FetchRefused(f"{where}: the server refused the user name or key.") from None
        except asyncssh.SFTPNoSuchFile:
            raise FetchFailed(f"{where}: no such file.") from None
        except (asyncssh.Error, OSError, ValueError) as error:
            raise FetchFailed(f"{where} failed: {error}.") from None


async def _read(sftp: asyncssh.SFTPClient, path: str, max_bytes: int, where: str) -> bytes:
    attributes = await sftp.stat(path)
    if attributes.type == asyncssh.FILEXFER_TYPE_DIRECTORY:
        raise FetchRefused(f"{where} is a directory, not a file.")
    size = attributes.size
    if size is not None and size > max_bytes:
        raise FetchRefused(f"{where} is {size:,} bytes; the limit is {max_bytes:,}.")
    chunks: list[bytes] = []
    total = 0
    async with sftp.open(path, "rb") as handle:
        while chunk := cast(bytes, await handle.read(CHUNK)):  # "rb": bytes
            total += len(chunk)
            if total > max_bytes:  # the file grew after stat
                raise FetchRefused(f"{where} is larger than the limit of {max_bytes:,} bytes.")
            chunks.append(chunk)
    return b"".join(chunks)
