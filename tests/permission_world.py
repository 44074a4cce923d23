"""The people and objects of the permission matrix (tests/test_permission_matrix.py), made in the database as
the product makes them, and the clients each person reaches Acervo with.

    group-a  reads collection A          alice (group-a)        reader of A
    group-b  reads collection B          bob (group-b)          reader of B
    a-editors edits collection A         charlie (no group)     nothing
    erin holds a grant of her own:       dana (a-editors)       editor of A
      manager of A                       erin                   manager of A
    collection C: no grant at all        staff (is_staff)       no grant
                                         root (superuser)       everything

Documents a, b, c live in A, B, C; A has a source (a watched folder). Alice and bob each have a conversation with a question and a finished
answer citing their collection's document, on which alice left feedback.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.test import Client

from retrieval.contracts import events
from webapp.access.grants import grant
from webapp.access.models import Role
from webapp.accounts.models import ApiToken
from webapp.chat.models import Citation, Conversation, Feedback, Message
from webapp.documents.models import Chunk, Collection, Document
from webapp.sources.models import Source

USERS = ("alice", "bob", "charlie", "dana", "erin", "staff", "root")
TEXT = "Every employee has thirty days of paid vacation per year."


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    collections: dict[str, Collection] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    answers: dict[str, Message] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # raw values
    token_ids: dict[str, int] = field(default_factory=dict)

    def ids(self) -> dict[str, int]:
        """Every object's id by the name the matrix's URLs use: {doc_a}, {answer_alice}, {coll_A}…"""
        found = {f"doc_{k}": d.pk for k, d in self.documents.items()}
        found |= {f"coll_{k}": c.pk for k, c in self.collections.items()}
        found |= {f"conv_{k}": c.pk for k, c in self.conversations.items()}
        found |= {f"answer_{k}": m.pk for k, m in self.answers.items()}
        found |= {f"token_{k}": pk for k, pk in self.token_ids.items()}
        found |= {f"source_{k}": s.pk for k, s in self.sources.items()}
        return found

    def client(self, name: str, surface: str) -> Client:
        """`session`: signed in as a browser is; `bearer`: the user's API token; `anonymous`: neither."""
        if surface == "bearer":
            return Client(HTTP_AUTHORIZATION=f"Bearer {self.tokens[name]}")
        client = Client()
        if surface == "session":
            client.force_login(self.users[name])
        return client


def world_build() -> World:
    world = World()
    groups = {name: Group.objects.create(name=name) for name in ("group-a", "group-b", "a-editors")}
    for name in USERS:
        world.users[name] = User.objects.create_user(name, password=f"{name}-password", is_staff=name in ("staff", "root"),
                                                     is_superuser=name == "root")
        token, world.tokens[name] = ApiToken.issue(user=world.users[name], name=f"{name}'s")
        world.token_ids[name] = token.pk
    world.users["alice"].groups.add(groups["group-a"])
    world.users["bob"].groups.add(groups["group-b"])
    world.users["dana"].groups.add(groups["a-editors"])
    for name in "ABC":
        world.collections[name] = Collection.objects.create(name=name)
    grant(world.collections["A"], group=groups["group-a"], role=Role.READER)
    grant(world.collections["A"], group=groups["a-editors"], role=Role.EDITOR)
    grant(world.collections["A"], user=world.users["erin"], role=Role.MANAGER)
    grant(world.collections["B"], group=groups["group-b"], role=Role.READER)
    for name in "abc":
        world.documents[name] = _document(world.collections[name.upper()], name)
    for name, collection in (("alice", "a"), ("bob", "b")):
        world.conversations[name], world.answers[name] = _conversation(world.users[name], world.documents[collection])
    Feedback.objects.create(message=world.answers["alice"], user=world.users["alice"], thumbs_up=True)
    world.sources["A"] = Source.objects.create(collection=world.collections["A"], kind=Source.Kind.FOLDER,
                                               location="/nonexistent/acervo-matrix", interval_minutes=0)
    return world


def _document(collection: Collection, name: str) -> Document:
    document = Document.objects.create(
        collection=collection, title=f"doc {name}", original_name=f"{name}.txt", sha256=name * 64,
        status=Document.Status.INDEXED, extracted_text=TEXT, chunk_count=1, version=1,
        file=ContentFile(TEXT.encode(), name=f"{name}.txt"),
    )
    Chunk.objects.create(document=document, version=1, ordinal=0, text=TEXT, char_end=len(TEXT))
    return document


def _conversation(user: User, document: Document) -> tuple[Conversation, Message]:
    conversation = Conversation.objects.create(user=user, title="Vacation")
    Message.objects.create(conversation=conversation, role="user", text="How many vacation days?")
    answer = Message.objects.create(conversation=conversation, role="assistant", text="Thirty days [1].",
                                    status="done", finish_reason="stop", collections=[document.collection_id])
    Citation.objects.create(message=answer, n=1, document=document, title=document.title, text=TEXT,
                            char_end=len(TEXT), cited=True)
    events.publish(answer.pk, "done", {"message_id": answer.pk, "answer": answer.text, "finish_reason": "stop"})
    return conversation, answer
