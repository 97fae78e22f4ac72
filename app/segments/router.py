"""/api/segments: saved rules and their live count (exports: app/exports/)."""

from __future__ import annotations

from fastapi import APIRouter, status
from starlette.convertors import Convertor, register_url_convertor

from app import secrets
from app.api.deps import CurrentUser, NewId, Page, StoreDep
from app.segments import service
from app.segments.models import (
    Segment,
    SegmentCreate,
    SegmentPage,
    SegmentPreview,
    SegmentPreviewRequest,
    SegmentUpdate,
)


class _SegmentIdConvertor(Convertor[str]):
    """A segment id as `new_id()` makes them, so that /api/segments/preview is not an id (its
    405 names only POST, and GET /api/segments/preview is not a lookup of segment "preview")."""

    regex = "[0-9a-f]{28}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("segment_id", _SegmentIdConvertor())

router = APIRouter(tags=["segments"])


@router.post("/api/segments", status_code=status.HTTP_201_CREATED)
async def create_segment(body: SegmentCreate, user: CurrentUser, store: StoreDep) -> Segment:
    """Save a rule over one list (`list_id`) or all your lists (`list_id` null)."""
    return service.create_segment(user.user_id, body, repo=store.segments, lists=store.lists)


@router.get("/api/segments")
async def list_segments(user: CurrentUser, store: StoreDep, page: Page) -> SegmentPage:
    """Your segments, oldest first."""
    return service.list_segments(user.user_id, page, repo=store.segments, key=secrets.signing_key)


@router.post("/api/segments/preview")
async def preview_segment(body: SegmentPreviewRequest, user: CurrentUser, store: StoreDep) -> SegmentPreview:
    """Count a rule's matches, a bounded step per call (at most 2,000 subscribers read): add up
    `matched` over the calls, passing `next_cursor` back until it is null."""
    return service.preview(
        user.user_id,
        body,
        lists=store.lists,
        subscribers=store.subscribers,
        campaigns=store.campaigns,
        key=secrets.signing_key,
    )


@router.get("/api/segments/{segment_id:segment_id}")
async def get_segment(segment_id: NewId, user: CurrentUser, store: StoreDep) -> Segment:
    """One segment."""
    return service.get_segment(user.user_id, segment_id, repo=store.segments)


@router.patch("/api/segments/{segment_id:segment_id}")
async def update_segment(
    segment_id: NewId, body: SegmentUpdate, user: CurrentUser, store: StoreDep
) -> Segment:
    """Change a segment's name, list or rule."""
    return service.update_segment(user.user_id, segment_id, body, repo=store.segments, lists=store.lists)


@router.delete("/api/segments/{segment_id:segment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_segment(segment_id: NewId, user: CurrentUser, store: StoreDep) -> None:
    """Delete a segment."""
    service.delete_segment(user.user_id, segment_id, repo=store.segments)
