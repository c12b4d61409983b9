"""credit ledger: credit types (ce-hours), course awards, credits, cycles; user.time_zone and user.ledger_revision

Existing certificates become approved ce-hours credits (revoked ones revoked), dated
their completion day.

Revision ID: eeb7f0e7c9ca
Revises: 9dd64e866c47
Create Date: 2026-12-05 13:29:05.315776

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eeb7f0e7c9ca'
down_revision = '9dd64e866c47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_type')),
    sa.UniqueConstraint('slug', name=op.f('uq_credit_type_slug'))
    )
    op.create_table('course_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('credit_type_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_credit_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credit_type_id'], ['credit_type.id'], name=op.f('fk_course_credit_credit_type_id_credit_type'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_credit')),
    sa.UniqueConstraint('course_id', 'credit_type_id', name=op.f('uq_course_credit_course_id_credit_type_id'))
    )
    with op.batch_alter_table('course_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_credit_course_id'), ['course_id'], unique=False)

    op.create_table('credit_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credit_type_id', sa.Integer(), nullable=False),
    sa.Column('required_amount', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credit_type_id'], ['credit_type.id'], name=op.f('fk_credit_cycle_credit_type_id_credit_type'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_credit_cycle_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_cycle')),
    sa.UniqueConstraint('user_id', name=op.f('uq_credit_cycle_user_id'))
    )
    op.create_table('credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('credit_type_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('evidence_media_id', sa.Integer(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_credit_certificate_id_certificate'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['credit_type_id'], ['credit_type.id'], name=op.f('fk_credit_credit_type_id_credit_type'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['evidence_media_id'], ['media_asset.id'], name=op.f('fk_credit_evidence_media_id_media_asset'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_credit_reviewed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_credit_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit')),
    sa.UniqueConstraint('certificate_id', 'credit_type_id', name=op.f('uq_credit_certificate_id_credit_type_id'))
    )
    with op.batch_alter_table('credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_status'), ['status'], unique=False)
        batch_op.create_index('ix_credit_user_id_earned_on', ['user_id', 'earned_on'], unique=False)
        batch_op.create_index('ix_credit_user_id_updated_at', ['user_id', 'updated_at'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('ledger_revision', sa.Integer(), server_default='0', nullable=False))

    _seed()


def _seed():
    op.execute(sa.text("INSERT INTO credit_type (slug, name, unit, created_at) "
                       "VALUES ('ce-hours', 'CE hours', 'hours', CURRENT_TIMESTAMP)"))
    op.execute(sa.text(
        "INSERT INTO credit (user_id, source, title, provider, credit_type_id, amount, "
        "earned_on, status, certificate_id, review_note, created_at, updated_at) "
        "SELECT c.user_id, 'certificate', c.course_title, '', t.id, c.ce_hours, "
        "c.completed_on, CASE WHEN c.revoked_at IS NULL THEN 'approved' ELSE 'revoked' END, "
        "c.id, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM certificate c "
        "JOIN credit_type t ON t.slug = 'ce-hours' WHERE c.ce_hours > 0"))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('ledger_revision')
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('credit', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_user_id_updated_at')
        batch_op.drop_index('ix_credit_user_id_earned_on')
        batch_op.drop_index(batch_op.f('ix_credit_status'))

    op.drop_table('credit')
    op.drop_table('credit_cycle')
    with op.batch_alter_table('course_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_credit_course_id'))

    op.drop_table('course_credit')
    op.drop_table('credit_type')
