"""discussions, notifications and the directory

Revision ID: 9dd64e866c47
Revises: 5b65ffbc4d8d
Create Date: 2026-12-05 13:25:34.921400

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9dd64e866c47'
down_revision = '5b65ffbc4d8d'
branch_labels = None
depends_on = None


#: Full-text search over posts and thread titles, frozen as it was when this was written.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE post_fts USING fts5(body, content='discussion_post', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    'CREATE TRIGGER post_fts_insert AFTER INSERT ON discussion_post BEGIN INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END',
    "CREATE TRIGGER post_fts_delete AFTER DELETE ON discussion_post BEGIN INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER post_fts_update AFTER UPDATE OF body ON discussion_post BEGIN INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE VIRTUAL TABLE thread_fts USING fts5(title, content='discussion_thread', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    'CREATE TRIGGER thread_fts_insert AFTER INSERT ON discussion_thread BEGIN INSERT INTO thread_fts(rowid, title) VALUES (new.id, new.title); END',
    "CREATE TRIGGER thread_fts_delete AFTER DELETE ON discussion_thread BEGIN INSERT INTO thread_fts(thread_fts, rowid, title) VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER thread_fts_update AFTER UPDATE OF title ON discussion_thread BEGIN INSERT INTO thread_fts(thread_fts, rowid, title) VALUES ('delete', old.id, old.title); INSERT INTO thread_fts(rowid, title) VALUES (new.id, new.title); END",
)
POSTGRES_SEARCH_INDEXES = (
    "CREATE INDEX ix_discussion_post_search ON discussion_post "
    "USING gin (to_tsvector('english', body))",
    "CREATE INDEX ix_discussion_thread_search ON discussion_thread "
    "USING gin (to_tsvector('english', title))",
)


def create_search_indexes():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_FTS if sqlite else POSTGRES_SEARCH_INDEXES:
        op.execute(statement)


def drop_search_indexes():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in ("post_fts", "thread_fts") if sqlite else ():
        op.execute(f"DROP TABLE IF EXISTS {name}")
    for name in () if sqlite else ("ix_discussion_post_search", "ix_discussion_thread_search"):
        op.execute(f"DROP INDEX IF EXISTS {name}")


def upgrade():
    op.create_table('directory_block',
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blocked_id'], ['user.id'], name=op.f('fk_directory_block_blocked_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['user.id'], name=op.f('fk_directory_block_blocker_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_directory_block'))
    )
    op.create_table('directory_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['user.id'], name=op.f('fk_directory_message_recipient_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_directory_message_sender_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_message'))
    )
    with op.batch_alter_table('directory_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_message_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_message_sender_id'), ['sender_id'], unique=False)

    op.create_table('directory_profile',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_visible', sa.Boolean(), nullable=False),
    sa.Column('expertise', sa.JSON(), nullable=False),
    sa.Column('expertise_key', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_directory_profile_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_directory_profile'))
    )
    with op.batch_alter_table('directory_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_profile_is_visible'), ['is_visible'], unique=False)

    op.create_table('discussion_setting',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('hold_first_posts', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_discussion_setting_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_discussion_setting'))
    )
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('replies', sa.String(length=10), nullable=False),
    sa.Column('announcements', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preference'))
    )
    op.create_table('discussion_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('is_announcement', sa.Boolean(), nullable=False),
    sa.Column('is_locked', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('accepted_post_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_post_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_discussion_thread_author_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_discussion_thread_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_discussion_thread_item_id_item'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_thread'))
    )
    with op.batch_alter_table('discussion_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_thread_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_discussion_thread_course_last', ['course_id', 'last_post_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_thread_item_id'), ['item_id'], unique=False)

    op.create_table('discussion_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('by_instructor', sa.Boolean(), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_discussion_post_author_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_thread.id'], name=op.f('fk_discussion_post_thread_id_discussion_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_post'))
    )
    with op.batch_alter_table('discussion_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_post_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_discussion_post_thread_created', ['thread_id', 'created_at'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_post.id'], name=op.f('fk_notification_post_id_discussion_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_thread.id'], name=op.f('fk_notification_thread_id_discussion_thread'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('post_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_post.id'], name=op.f('fk_post_report_post_id_discussion_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user.id'], name=op.f('fk_post_report_reporter_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_report')),
    sa.UniqueConstraint('post_id', 'reporter_id', name=op.f('uq_post_report_post_id_reporter_id'))
    )
    op.create_table('post_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['user.id'], name=op.f('fk_post_revision_editor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_post.id'], name=op.f('fk_post_revision_post_id_discussion_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_revision'))
    )
    with op.batch_alter_table('post_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_revision_post_id'), ['post_id'], unique=False)

    op.create_table('post_vote',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_post.id'], name=op.f('fk_post_vote_post_id_discussion_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_post_vote_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_vote'))
    )
    with op.batch_alter_table('post_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_vote_user_id'), ['user_id'], unique=False)

    create_search_indexes()


def downgrade():
    drop_search_indexes()
    with op.batch_alter_table('post_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_vote_user_id'))

    op.drop_table('post_vote')
    with op.batch_alter_table('post_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_revision_post_id'))

    op.drop_table('post_revision')
    op.drop_table('post_report')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')
        batch_op.drop_index(batch_op.f('ix_notification_thread_id'))

    op.drop_table('notification')
    with op.batch_alter_table('discussion_post', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_post_thread_created')
        batch_op.drop_index(batch_op.f('ix_discussion_post_author_id'))

    op.drop_table('discussion_post')
    with op.batch_alter_table('discussion_thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_thread_item_id'))
        batch_op.drop_index('ix_discussion_thread_course_last')
        batch_op.drop_index(batch_op.f('ix_discussion_thread_author_id'))

    op.drop_table('discussion_thread')
    op.drop_table('notification_preference')
    op.drop_table('discussion_setting')
    with op.batch_alter_table('directory_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_profile_is_visible'))

    op.drop_table('directory_profile')
    with op.batch_alter_table('directory_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_message_sender_id'))
        batch_op.drop_index(batch_op.f('ix_directory_message_recipient_id'))

    op.drop_table('directory_message')
    op.drop_table('directory_block')
