"""The public transparency page: the latest signed head, how to check it, and a form that
checks one entry's inclusion proof. Nothing personal is shown."""

import base64

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path

from jifen.programmes.access import access_public_programme
from jifen.programmes.models import Programme
from jifen.recognition import titles
from jifen.recognition.names import public_names
from jifen.transparency import merkle, queries, signing

TITLE_ENTRIES = 500  # a title's entries checked on one page (a year of daily awards fits)


def transparency(request: HttpRequest, slug: str) -> HttpResponse:
    programme = access_public_programme(slug)
    head = queries.latest_head(programme)
    entry = request.GET.get("entry", "").strip()[:40]
    return render(
        request,
        "web/transparency.html",
        {
            "programme": programme,
            "head": head,
            "entry": entry,
            "root_hex": bytes(head.root_hash).hex() if head else "",
            "signature_b64": base64.b64encode(bytes(head.signature)).decode() if head else "",
            "public_key": signing.public_key_b64(signing.log_public_key()),
            "check": _check(programme, entry) if entry else None,
            "title_check": _check_title(programme, request.GET.get("title", "")[:12]),
            "head_check": _check_head(programme, request.GET) if "root" in request.GET else None,
            "history": queries.head_history(programme, limit=10),
        },
    )


def _check(programme: Programme, entry: str) -> dict[str, object]:
    """The entry's proof, re-verified here; the page also shows the numbers to check by hand."""
    proof = queries.inclusion_proof_for(programme, entry)
    if proof is None:
        return {"found": False}
    ok = merkle.verify_inclusion(
        proof.leaf_hash, proof.leaf_index, proof.head.size, proof.path, bytes(proof.head.root_hash)
    )
    return {
        "found": True,
        "ok": ok,
        "index": proof.leaf_index,
        "size": proof.head.size,
        "leaf": proof.leaf_hash.hex(),
        "path": [p.hex() for p in proof.path],
    }


def _check_title(programme: Programme, public_id: str) -> dict[str, object] | None:
    """A title's entries (a certificate's QR), each proof re-verified; None if none asked."""
    title = titles.titles_of(programme).filter(public_id=public_id).first() if public_id else None
    if title is None:
        return {"found": False} if public_id else None
    checks = [_check(programme, entry) for entry in title.transactions[:TITLE_ENTRIES]]
    return {
        "found": True,
        "title": title,
        "name": public_names(programme, [title.member])[title.member_id],
        "count": len(checks),
        "ok": sum(1 for c in checks if c["found"] and c["ok"]),
        "entries": zip(title.transactions, checks, strict=False),
    }


def _check_head(programme: Programme, query: QueryDict) -> dict[str, object]:
    """Whether a head someone holds (a poster's QR: its size and root) is one the log signed."""
    size, root = query.get("size", "")[:18], query.get("root", "")[:64].lower()
    head = queries.head_of_size(programme, int(size)) if size.isdigit() else None
    ok = head is not None and bytes(head.root_hash).hex() == root
    return {"ok": ok, "size": size if size.isdigit() else "", "root": root}


urlpatterns = [path("p/<slug:slug>/transparency/", transparency, name="transparency")]
