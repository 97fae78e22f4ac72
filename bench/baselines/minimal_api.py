"""Baseline for bench/cold_start.py: a bare 3-route FastAPI app behind Mangum."""

from __future__ import annotations

from fastapi import FastAPI
from mangum import Mangum
from pydantic import BaseModel

app = FastAPI(title="baseline")


class Item(BaseModel):
    """A thing."""

    name: str
    price: float


@app.get("/api/health")
async def health() -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}


@app.get("/api/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    """One item."""
    return {"id": item_id}


@app.post("/api/items")
async def create_item(item: Item) -> Item:
    """Echo."""
    return item


handler = Mangum(app, lifespan="off")
