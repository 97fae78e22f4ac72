"""/api/segments: saved rules and their live count (exports: app/exports/)."""

from __future__ import annotations

from fastapi import APIRouter, status

from app import secrets
from app.api.deps import CurrentUser, NewId, StoreDep
from app.api.owned import OwnedRoutes
from app.segments import service
from app.segments.models import (
    Segment,
    SegmentCreate,
    SegmentPreview,
    SegmentPreviewRequest,
    SegmentUpdate,
)

router = APIRouter(tags=["segments"])
# GET /api/segments, GET and DELETE /api/segments/{segment_id}: the lines `segments.*` below. A segment
# id is a NewId as `new_id()` makes them, so that /api/segments/preview is not an id (its 405 names
# only POST, and GET /api/segments/preview is not a lookup of segment "preview").
segments = OwnedRoutes(
    router, "/api/segments/{segment_id:segment_id}", NewId, repo=lambda store: store.segments
)


@router.post("/api/segments", status_code=status.HTTP_201_CREATED)
async def create_segment(body: SegmentCreate, user: CurrentUser, store: StoreDep) -> Segment:
    """Save a rule over one list (`list_id`) or all your lists (`list_id` null)."""
    return service.create_segment(user.user_id, body, repo=store.segments, lists=store.lists)


segments.listed(service.reads, "Your segments, oldest first.")


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


segments.one(service.reads, "One segment.")


@router.patch("/api/segments/{segment_id:segment_id}")
async def update_segment(
    segment_id: NewId, body: SegmentUpdate, user: CurrentUser, store: StoreDep
) -> Segment:
    """Change a segment's name, list or rule."""
    return service.update_segment(user.user_id, segment_id, body, repo=store.segments, lists=store.lists)


segments.deleted(service.delete_segment, "Delete a segment.")
