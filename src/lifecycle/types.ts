/**
 * Shapes of the pure lifecycle planner: the policy as stored (API shape, §13 of the reference),
 * a compact read-only view of each image build version, and the plan it returns.
 */

export type LifecycleResourceType = 'AMI_IMAGE' | 'CONTAINER_IMAGE';
export type LifecycleActionType = 'DEPRECATE' | 'DISABLE' | 'DELETE';
export type LifecycleUnit = 'DAYS' | 'WEEKS' | 'MONTHS' | 'YEARS';

export interface LifecyclePeriod {
  readonly value: number;
  readonly unit: LifecycleUnit;
}

export interface LifecycleIncludeResources {
  readonly amis?: boolean;
  readonly snapshots?: boolean;
  readonly containers?: boolean;
}

export interface LifecyclePolicyDetail {
  readonly action: {
    readonly type: LifecycleActionType;
    readonly includeResources?: LifecycleIncludeResources;
  };
  readonly filter: {
    readonly type: 'AGE' | 'COUNT';
    readonly value: number;
    readonly unit?: LifecycleUnit;
    readonly retainAtLeast?: number;
  };
  readonly exclusionRules?: {
    readonly tagMap?: Readonly<Record<string, string>>;
    readonly amis?: {
      readonly isPublic?: boolean;
      readonly regions?: readonly string[];
      readonly sharedAccounts?: readonly string[];
      readonly lastLaunched?: LifecyclePeriod;
      readonly tagMap?: Readonly<Record<string, string>>;
    };
  };
}

/** The members of a stored LifecyclePolicy the planner reads (already validated by the service). */
export interface LifecyclePolicyInput {
  readonly arn?: string;
  readonly resourceType: LifecycleResourceType;
  readonly policyDetails: readonly LifecyclePolicyDetail[];
  readonly resourceSelection: {
    readonly recipes?: readonly { readonly name: string; readonly semanticVersion: string }[];
    readonly tagMap?: Readonly<Record<string, string>>;
  };
}

/** One output AMI of an image, as the planner sees it. */
export interface LifecycleAmi {
  readonly region: string;
  readonly id: string;
  readonly accountId: string;
  /** Launch permission includes the group `all`. */
  readonly isPublic: boolean;
  /** Account ids the AMI's launch permission names. */
  readonly sharedAccounts: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** Epoch ms of the last instance launch from this AMI; absent when never launched. */
  readonly lastLaunched?: number;
}

/** A compact, frozen view of one image build version. */
export interface LifecycleImage {
  readonly arn: string;
  readonly recipeName: string;
  /** The recipe's semantic version `major.minor.patch` (the build number is not part of it). */
  readonly recipeVersion: string;
  /** ImageStatus: AVAILABLE, DEPRECATED, DISABLED, DELETED, FAILED, CANCELLED or a building state. */
  readonly status: string;
  /** Epoch ms. */
  readonly dateCreated: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly amis: readonly LifecycleAmi[];
  /** `AMI` or `DOCKER`; when given, images of the other kind are out of the policy's scope. */
  readonly type?: 'AMI' | 'DOCKER';
  /** A launch template's default version points at this image: never deleted. */
  readonly inUseByLaunchTemplate?: boolean;
}

/** What the plan does with one AMI of an image that a rule acts on. */
export interface AmiPlan {
  readonly region: string;
  readonly id: string;
  readonly accountId: string;
  /** ACT: the action reaches this AMI; SKIPPED: an AMI exclusion rule keeps it; UNTOUCHED: `includeResources.amis` is off. */
  readonly outcome: 'ACT' | 'SKIPPED' | 'UNTOUCHED';
  readonly reason: string;
}

/**
 * The decision for one in-scope image. `ACT`: `action` runs this execution. `SKIPPED`: a rule
 * selected the image but it is protected (every AMI excluded, or in use by a launch template).
 * `KEEP`: no rule selects it this run.
 */
export interface ImagePlan {
  readonly arn: string;
  readonly outcome: 'ACT' | 'SKIPPED' | 'KEEP';
  readonly action?: LifecycleActionType;
  readonly reason: string;
  /** The associated resources the action also touches (from the rule's `includeResources`). */
  readonly includeResources: Required<LifecycleIncludeResources>;
  /** Per-AMI decisions; empty for KEEP. */
  readonly amis: readonly AmiPlan[];
}

export interface LifecyclePlan {
  readonly policyArn?: string;
  /** In-scope images, newest first (images still building are left out). */
  readonly images: readonly ImagePlan[];
  /** In-scope images left out because they are still being built, by ARN. */
  readonly building: readonly string[];
  readonly counts: Readonly<Record<LifecycleActionType | 'SKIPPED' | 'KEEP', number>>;
}
